//! Detectors that read what their platform puts in the environment:
//! `heroku` (needs HEROKU_DYNO_ID, as with dyno metadata enabled) and
//! `lambda` (needs AWS_LAMBDA_FUNCTION_NAME). Without that variable the
//! platform is not detected.

use super::Detected;
use crate::event::any_value::Value as Av;
use crate::event::{str_value, AnyValue, ArrayValue};

/// Run `name` against the variables `var` gives.
pub fn detect(name: &str, var: impl Fn(&str) -> Option<String>) -> Detected {
    let mut out: Detected = Vec::new();
    let mut put = |attr: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push((attr.to_string(), str_value(v)));
        }
    };
    match name {
        "heroku" => {
            let Some(dyno) = var("HEROKU_DYNO_ID") else { return Vec::new() };
            put("cloud.provider", Some("heroku".into()));
            put("service.instance.id", Some(dyno));
            put("heroku.app.id", var("HEROKU_APP_ID"));
            put("service.name", var("HEROKU_APP_NAME"));
            put("heroku.release.creation_timestamp", var("HEROKU_RELEASE_CREATED_AT"));
            put("service.version", var("HEROKU_RELEASE_VERSION"));
            put("heroku.release.commit", var("HEROKU_SLUG_COMMIT"));
        }
        _ => {
            let Some(function) = var("AWS_LAMBDA_FUNCTION_NAME") else { return Vec::new() };
            put("cloud.provider", Some("aws".into()));
            put("cloud.platform", Some("aws_lambda".into()));
            put("cloud.region", var("AWS_REGION"));
            put("faas.name", Some(function));
            put("faas.version", var("AWS_LAMBDA_FUNCTION_VERSION"));
            put("faas.instance", var("AWS_LAMBDA_LOG_STREAM_NAME"));
            let memory = var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|m| m.parse::<i64>().ok());
            let list = |v: Option<String>| {
                v.map(|v| AnyValue { value: Some(Av::ArrayValue(ArrayValue { values: vec![str_value(v)] })) })
            };
            let groups = list(var("AWS_LAMBDA_LOG_GROUP_NAME"));
            let streams = list(var("AWS_LAMBDA_LOG_STREAM_NAME"));
            out.extend(memory.map(|m| ("faas.max_memory".to_string(), AnyValue { value: Some(Av::IntValue(m)) })));
            out.extend(groups.map(|g| ("aws.log.group.names".to_string(), g)));
            out.extend(streams.map(|s| ("aws.log.stream.names".to_string(), s)));
        }
    }
    out
}
