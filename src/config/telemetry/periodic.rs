//! A `periodic` metric reader with its `otlp` exporter, read as otelcol's
//! OpenTelemetry configuration schema (v0.3) reads it.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{OtlpMetricExporter, PeriodicReader};

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawPeriodic {
    /// Milliseconds.
    interval: Option<u64>,
    timeout: Option<u64>,
    exporter: RawPushExporter,
    producers: Option<IgnoredAny>,
    cardinality_limits: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawPushExporter {
    otlp: Option<RawOtlp>,
    console: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawOtlp {
    protocol: Option<String>,
    endpoint: Option<String>,
    certificate: String,
    client_key: String,
    client_certificate: String,
    headers: Vec<RawHeader>,
    headers_list: String,
    compression: Option<String>,
    /// Milliseconds.
    timeout: Option<u64>,
    insecure: bool,
    temporality_preference: Option<String>,
    default_histogram_aggregation: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawHeader {
    name: String,
    value: String,
}

type KeyError = (String, String);

pub(super) fn periodic(p: &RawPeriodic) -> Result<PeriodicReader, KeyError> {
    let err = |k: &str, m: String| (k.to_string(), m);
    if p.exporter.console.is_some() && p.exporter.otlp.is_some() {
        return Err(err("exporter", "must not specify multiple exporters".into()));
    }
    if p.exporter.console.is_some() {
        return Err(err("exporter::console", "ferrocol pushes its metrics with the otlp exporter only".into()));
    }
    let Some(o) = &p.exporter.otlp else { return Err(err("exporter", "no valid metric exporter".into())) };
    let grpc = match o.protocol.as_deref() {
        Some("grpc") => true,
        Some("http/protobuf") => false,
        Some(other) => {
            return Err(err(
                "exporter::otlp::protocol",
                format!("unsupported protocol {other:?} (valid: grpc, http/protobuf)"),
            ))
        }
        None => return Err(err("exporter::otlp", "no valid metric exporter: protocol is required".into())),
    };
    let endpoint = endpoint(grpc, o.endpoint.as_deref().unwrap_or(""), o.insecure)
        .map_err(|m| err("exporter::otlp::endpoint", m))?;
    let gzip = match o.compression.as_deref() {
        None | Some("none") | Some("") => false,
        Some("gzip") => true,
        Some(other) => {
            return Err(err("exporter::otlp::compression", format!("unsupported compression {other:?} (gzip, none)")))
        }
    };
    let temporality = o.temporality_preference.clone().unwrap_or_else(|| "cumulative".into());
    if !["cumulative", "delta", "lowmemory"].contains(&temporality.as_str()) {
        return Err(err(
            "exporter::otlp::temporality_preference",
            format!("unsupported temporality preference {temporality:?} (cumulative, delta, lowmemory)"),
        ));
    }
    if let Some(h) = o.default_histogram_aggregation.as_deref() {
        if !["explicit_bucket_histogram", "base2_exponential_bucket_histogram"].contains(&h) {
            return Err(err(
                "exporter::otlp::default_histogram_aggregation",
                format!("unsupported default histogram aggregation {h:?}"),
            ));
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for pair in o.headers_list.split(',').filter(|p| !p.trim().is_empty()) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(err("exporter::otlp::headers_list", "invalid headers list: each entry is name=value".into()));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    // `headers` take priority over `headers_list` for the same name.
    for h in &o.headers {
        headers.retain(|(k, _)| *k != h.name);
        headers.push((h.name.clone(), h.value.clone()));
    }
    let ms = |v: Option<u64>, default: u64| std::time::Duration::from_millis(v.filter(|v| *v > 0).unwrap_or(default));
    Ok(PeriodicReader {
        interval: ms(p.interval, 60_000),
        timeout: ms(p.timeout, 30_000),
        exporter: OtlpMetricExporter {
            grpc,
            tls: endpoint.starts_with("https://"),
            endpoint,
            headers,
            gzip,
            timeout: ms(o.timeout, 10_000),
            temporality,
            certificate: o.certificate.clone(),
            client_certificate: o.client_certificate.clone(),
            client_key: o.client_key.clone(),
        },
    })
}

/// The URL to export to, as otelcol's Go exporters read `endpoint`.
fn endpoint(grpc: bool, configured: &str, insecure: bool) -> Result<String, String> {
    if grpc {
        // `host:port` without a scheme: TLS unless `insecure`.
        let (scheme, rest) = match configured.split_once("://") {
            Some((s @ ("http" | "https"), rest)) => (s, rest),
            Some((s, _)) => return Err(format!("invalid endpoint {configured:?}: unsupported scheme {s:?}")),
            None if insecure => ("http", configured),
            None => ("https", configured),
        };
        let authority = rest.split('/').next().unwrap_or("");
        let authority = if authority.is_empty() { "localhost:4317" } else { authority };
        return Ok(format!("{scheme}://{authority}"));
    }
    if configured.is_empty() {
        return Ok("http://localhost:4318/v1/metrics".into());
    }
    let Some((scheme, rest)) = configured.split_once("://") else {
        return Err(format!("invalid endpoint {configured:?}: an http:// or https:// URL is required"));
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("invalid endpoint {configured:?}: unsupported scheme {scheme:?}"));
    }
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    if authority.is_empty() {
        return Err(format!("invalid endpoint {configured:?}: missing host"));
    }
    let url =
        if rest.contains('/') { format!("{scheme}://{authority}/{path}") } else { format!("{configured}/v1/metrics") };
    url.parse::<hyper::Uri>().map_err(|e| format!("invalid endpoint {configured:?}: {e}"))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_are_read_as_otelcol_reads_them() {
        assert_eq!(endpoint(false, "http://c:4318", false).unwrap(), "http://c:4318/v1/metrics");
        assert_eq!(endpoint(false, "https://c:4318/custom", false).unwrap(), "https://c:4318/custom");
        assert_eq!(endpoint(false, "", false).unwrap(), "http://localhost:4318/v1/metrics");
        assert!(endpoint(false, "c:4318", false).is_err());
        assert_eq!(endpoint(true, "c:4317", true).unwrap(), "http://c:4317");
        assert_eq!(endpoint(true, "c:4317", false).unwrap(), "https://c:4317");
        assert_eq!(endpoint(true, "http://c:4317", false).unwrap(), "http://c:4317");
        assert!(endpoint(true, "ftp://c:4317", false).is_err());
    }
}
