//! Self-metrics pushed over OTLP: `service::telemetry::metrics::readers` with
//! `periodic` readers, as otelcol configures them. The OpenTelemetry SDK's
//! periodic reader collects and the `opentelemetry-otlp` exporter sends
//! (HTTP/protobuf over ferrocol's hyper + rustls client, or gRPC over a tonic
//! channel); the values are those of the registry the Prometheus endpoint
//! serves ([`crate::metrics`]), read by observable instruments at each
//! collection, under otelcol's OTLP names (the Prometheus name without the
//! `_total` suffix and unit).
//!
//! The reader lives with the topology: it is built with the self-metrics
//! endpoint and shut down (with a last export) after every pipeline stopped.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{MetricExporter, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::metrics::{PeriodicReader as SdkReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::Resource;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};

use crate::config::{OtlpMetricExporter, PeriodicReader};
use crate::export::tls::TlsClientConfig;
use crate::metrics::{self, Family, HookGuard};

/// The largest answer body read (the SDK's own clients stop at 4 MiB too).
const MAX_RESPONSE_BODY: usize = 4 << 20;

/// A running meter provider with one periodic reader per configured reader.
pub struct Pusher {
    provider: SdkMeterProvider,
    _hook: HookGuard,
}

impl Pusher {
    /// Build every reader; must run inside the tokio runtime (exports are
    /// spawned on it). Reads the TLS files; connects only at the first export.
    pub fn start(readers: &[PeriodicReader], resource: &[(String, Option<String>)]) -> Result<Pusher, String> {
        let mut builder = SdkMeterProvider::builder().with_resource(build_resource(resource));
        for (i, r) in readers.iter().enumerate() {
            let exporter = exporter(&r.exporter, r.timeout).map_err(|e| format!("readers[{i}]: {e}"))?;
            builder = builder.with_reader(SdkReader::builder(exporter).with_interval(r.interval).build());
        }
        let provider = builder.build();
        let meter = provider.meter("go.opentelemetry.io/collector/service");
        let hook = metrics::on_new_family(Box::new(move |f: &Family| register(&meter, f)));
        register_process(&provider.meter("go.opentelemetry.io/collector/service"));
        Ok(Pusher { provider, _hook: hook })
    }

    /// Export what was counted last, then stop. Blocks for up to the exporters' timeouts.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "self-metrics: the last push failed");
        }
    }
}

/// otelcol's resource: `service.name`, `service.version` and a random
/// `service.instance.id`, then `service::telemetry::resource` (null removes one).
fn build_resource(configured: &[(String, Option<String>)]) -> Resource {
    let mut attrs: Vec<(String, String)> = vec![
        ("service.name".into(), "ferrocol".into()),
        ("service.version".into(), env!("CARGO_PKG_VERSION").into()),
        ("service.instance.id".into(), instance_id()),
    ];
    for (k, v) in configured {
        attrs.retain(|(key, _)| key != k);
        if let Some(v) = v {
            attrs.push((k.clone(), v.clone()));
        }
    }
    Resource::builder_empty().with_attributes(attrs.into_iter().map(|(k, v)| KeyValue::new(k, v))).build()
}

/// A random UUID (version 4), as otelcol generates one per process.
fn instance_id() -> String {
    use std::sync::OnceLock;
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let mut b = [0u8; 16];
        let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b));
        if b == [0; 16] {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            b = (t.as_nanos() ^ (std::process::id() as u128) << 64).to_le_bytes();
        }
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    })
    .clone()
}

/// One observable instrument per registry family, read at each collection.
fn register(meter: &Meter, f: &Family) {
    let name = f.name;
    let otlp_name = name.strip_suffix("_total").unwrap_or(name).to_string();
    let attrs = |labels: &metrics::Labels| -> Vec<KeyValue> {
        labels.iter().map(|(k, v)| KeyValue::new(*k, v.clone())).collect()
    };
    let unit = unit_of(name);
    if f.counter {
        meter
            .u64_observable_counter(otlp_name)
            .with_description(f.help)
            .with_unit(unit)
            .with_callback(move |o| metrics::each(name, |labels, v| o.observe(v, &attrs(labels))))
            .build();
    } else {
        meter
            .i64_observable_gauge(otlp_name)
            .with_description(f.help)
            .with_unit(unit)
            .with_callback(move |o| metrics::each(name, |labels, v| o.observe(v as i64, &attrs(labels))))
            .build();
    }
}

/// otelcol's units for its pipeline metrics.
fn unit_of(name: &str) -> &'static str {
    if name.contains("log_records") {
        "{records}"
    } else if name.contains("spans") {
        "{spans}"
    } else if name.contains("metric_points") {
        "{datapoints}"
    } else if name.ends_with("_bytes_total") {
        "By"
    } else {
        "1"
    }
}

/// otelcol's process metrics.
fn register_process(meter: &Meter) {
    meter
        .f64_observable_counter("otelcol_process_uptime")
        .with_description("Uptime of the process")
        .with_unit("s")
        .with_callback(|o| o.observe(metrics::process().uptime, &[]))
        .build();
    meter
        .f64_observable_counter("otelcol_process_cpu_seconds")
        .with_description("Total CPU user and system time in seconds")
        .with_unit("s")
        .with_callback(|o| {
            if let Some(cpu) = metrics::process().cpu {
                o.observe(cpu, &[])
            }
        })
        .build();
    meter
        .i64_observable_gauge("otelcol_process_memory_rss")
        .with_description("Total physical memory (resident set size)")
        .with_unit("By")
        .with_callback(|o| {
            if let Some(rss) = metrics::process().rss {
                o.observe(rss as i64, &[])
            }
        })
        .build();
}

fn exporter(cfg: &OtlpMetricExporter, reader_timeout: Duration) -> Result<MetricExporter, String> {
    let timeout = cfg.timeout.min(reader_timeout);
    let temporality = match cfg.temporality.as_str() {
        "delta" => Temporality::Delta,
        "lowmemory" => Temporality::LowMemory,
        _ => Temporality::Cumulative,
    };
    let tls = tls_config(cfg)?;
    let built = if cfg.grpc {
        let mut metadata = MetadataMap::new();
        for (k, v) in &cfg.headers {
            let key = MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
                .map_err(|_| format!("invalid header name {k:?}"))?;
            let value = MetadataValue::try_from(v.as_str()).map_err(|_| format!("invalid value of header {k:?}"))?;
            metadata.insert(key, value);
        }
        let mut b = MetricExporter::builder()
            .with_tonic()
            .with_channel(grpc_channel(&cfg.endpoint, tls, timeout)?)
            .with_metadata(metadata)
            .with_timeout(timeout)
            .with_temporality(temporality);
        if cfg.gzip {
            b = b.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        b.build()
    } else {
        let client = HyperClient {
            client: legacy::Client::builder(TokioExecutor::new()).build(https(tls, false)),
            runtime: tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?,
            timeout,
        };
        let mut b = MetricExporter::builder()
            .with_http()
            .with_endpoint(cfg.endpoint.clone())
            .with_http_client(client)
            .with_headers(cfg.headers.iter().cloned().collect::<HashMap<_, _>>())
            .with_timeout(timeout)
            .with_temporality(temporality);
        if cfg.gzip {
            b = b.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        b.build()
    };
    built.map_err(|e| e.to_string())
}

/// rustls settings: the system roots, or `certificate` alone; a client
/// certificate with `client_certificate` + `client_key`.
fn tls_config(cfg: &OtlpMetricExporter) -> Result<rustls::ClientConfig, String> {
    let tls = TlsClientConfig {
        ca_file: cfg.certificate.clone(),
        cert_file: cfg.client_certificate.clone(),
        key_file: cfg.client_key.clone(),
        ..Default::default()
    };
    if let Some(e) = tls.validate().into_iter().next() {
        return Err(format!("{}: {}", e.key, e.message));
    }
    tls.client_config().map_err(|e| e.message)
}

/// A connector for `http://` and `https://` URLs; `force_tls` makes every
/// connection TLS whatever the scheme (for the gRPC channel, whose URI is `http://`).
fn https(tls: rustls::ClientConfig, force_tls: bool) -> HttpsConnector<HttpConnector> {
    let b = HttpsConnectorBuilder::new().with_tls_config(tls);
    let b = if force_tls { b.https_only() } else { b.https_or_http() };
    b.enable_http1().enable_http2().build()
}

fn grpc_channel(
    endpoint: &str,
    tls: rustls::ClientConfig,
    timeout: Duration,
) -> Result<tonic::transport::Channel, String> {
    let bad = |e: &dyn fmt::Display| format!("invalid endpoint {endpoint:?}: {e}");
    let (scheme, authority) = endpoint.split_once("://").ok_or_else(|| bad(&"missing scheme"))?;
    let origin: Uri = endpoint.parse().map_err(|e| bad(&e))?;
    // tonic refuses `https://` without its own TLS: the URI stays `http://` and
    // the connector below does TLS.
    let ep = tonic::transport::Endpoint::from_shared(format!("http://{authority}"))
        .map_err(|e| bad(&e))?
        .origin(origin)
        .timeout(timeout)
        .connect_timeout(timeout);
    Ok(if scheme == "https" {
        let mut tls = tls;
        tls.alpn_protocols = vec![b"h2".to_vec()];
        ep.connect_with_connector_lazy(AsHttps(https(tls, true)))
    } else {
        ep.connect_lazy()
    })
}

/// Calls the inner connector with the URI's scheme set to `https`.
#[derive(Clone)]
struct AsHttps<C>(C);

impl<C: tower_service::Service<Uri>> tower_service::Service<Uri> for AsHttps<C> {
    type Response = C::Response;
    type Error = C::Error;
    type Future = C::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> C::Future {
        let mut parts = uri.into_parts();
        parts.scheme = Some(hyper::http::uri::Scheme::HTTPS);
        self.0.call(Uri::from_parts(parts).unwrap_or_default())
    }
}

/// The SDK's HTTP client: hyper's pooled client, each request run on the
/// tokio runtime (the periodic reader exports from a thread of its own).
struct HyperClient {
    client: legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    runtime: tokio::runtime::Handle,
    timeout: Duration,
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperClient").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl HttpClient for HyperClient {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        let client = self.client.clone();
        let timeout = self.timeout;
        let task = self.runtime.spawn(async move {
            let (parts, body) = request.into_parts();
            let exchange = async {
                let resp = client.request(hyper::Request::from_parts(parts, Full::new(body))).await?;
                let (parts, body) = resp.into_parts();
                let body = Limited::new(body, MAX_RESPONSE_BODY).collect().await?.to_bytes();
                Ok::<_, HttpError>(Response::from_parts(parts, body))
            };
            match tokio::time::timeout(timeout, exchange).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {timeout:?}").into()),
            }
        });
        Box::pin(async move { task.await.map_err(|e| Box::new(e) as HttpError)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_has_otelcol_defaults_and_null_removes_one() {
        let r = build_resource(&[("service.name".into(), None), ("deployment".into(), Some("prod".into()))]);
        let keys: Vec<String> = r.iter().map(|(k, _)| k.to_string()).collect();
        assert!(!keys.contains(&"service.name".to_string()), "{keys:?}");
        assert!(keys.contains(&"service.version".to_string()), "{keys:?}");
        assert!(keys.contains(&"deployment".to_string()), "{keys:?}");
        let id = instance_id();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "{id}");
    }
}
