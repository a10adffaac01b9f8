//! The HTTP client: hyper's pooled client (keep-alive; HTTP/1.1, and HTTP/2 when
//! the server picks it in the TLS handshake), rustls, an optional proxy, and
//! the fixed request headers. One POST is [`Client::post`].

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, PROXY_AUTHORIZATION, USER_AGENT,
};
use hyper::{Request, StatusCode, Uri};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::config::OtlpHttpExporterConfig;
use super::proxy::{proxy_for, Connector};
use crate::component::StageError;
use crate::export::error_chain as chain;
use crate::export::tls;
use crate::signal::Signal;

/// `User-Agent` of every request.
pub const USER_AGENT_VALUE: &str = concat!("ferrocol/", env!("CARGO_PKG_VERSION"));

/// How much of a response body is read (otelcol reads 64 KiB of error bodies).
const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// At most [`MAX_RESPONSE_BODY`] bytes of it.
    pub body: Bytes,
}

/// A failure without a response: connect, TLS, I/O or the timeout.
#[derive(Debug)]
pub struct TransportError(pub String);

pub struct Client {
    http: legacy::Client<HttpsConnector<Connector>, Full<Bytes>>,
    url: Uri,
    /// Or why no request can be sent: a configured header Go's client refuses.
    headers: Result<HeaderMap, String>,
    timeout: Option<Duration>,
}

/// Check a signal's URL: absolute, `http` or `https`, with a host.
pub fn parse_url(url: &str) -> Result<Uri, String> {
    if !url.contains("://") {
        return Err(format!("invalid URL {url:?}: missing scheme (http:// or https://)"));
    }
    let uri: Uri = url.parse().map_err(|e| format!("invalid URL {url:?}: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(s) => return Err(format!("invalid URL {url:?}: unsupported scheme {s:?} (use http or https)")),
        None => return Err(format!("invalid URL {url:?}: missing scheme (http:// or https://)")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("invalid URL {url:?}: missing host"));
    }
    Ok(uri)
}

impl Client {
    /// The client of `signal`'s URL. Reads the TLS files; opens no connection.
    /// In check mode (`load_tls` false) no certificate or key file is read.
    pub fn new(cfg: &OtlpHttpExporterConfig, signal: Signal, load_tls: bool) -> Result<Client, StageError> {
        let url_text = cfg.signal_url(signal).map_err(StageError::new)?;
        let key = match cfg.signal_endpoint(signal) {
            (_, "") => "endpoint",
            (key, _) => key,
        };
        let url = parse_url(&url_text).map_err(|e| StageError::new(e).at(key))?;
        let proxy = proxy_for(&url, &cfg.proxy_url.0).map_err(|e| StageError::new(format!("proxy_url: {e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(cfg.encoding.content_type()));
        if let Some(enc) = cfg.compression.content_encoding() {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(enc));
        }
        if let (Some(p), Some("http")) = (&proxy, url.scheme_str()) {
            // A forwarding proxy reads its credentials from each request.
            if let Some(auth) = &p.auth {
                headers.insert(PROXY_AUTHORIZATION, auth.clone());
            }
        }
        let headers = configured_headers(cfg, headers);
        if let Err(e) = &headers {
            tracing::warn!(error = %e, "otlphttp: every request will fail");
        }
        let connector = Connector::new(&url, proxy);
        let https = Self::tls_connector(cfg, &url, connector, load_tls)?;
        let mut builder = legacy::Client::builder(TokioExecutor::new());
        builder.timer(TokioTimer::new()).pool_timer(TokioTimer::new());
        builder.pool_idle_timeout((!cfg.idle_conn_timeout.is_zero()).then_some(cfg.idle_conn_timeout.0));
        match (cfg.disable_keep_alives, cfg.max_idle_conns_per_host) {
            (true, _) => builder.pool_max_idle_per_host(0),
            (false, 0) => &mut builder,
            (false, n) => builder.pool_max_idle_per_host(usize::try_from(n).unwrap_or(usize::MAX)),
        };
        if !cfg.http2_read_idle_timeout.is_zero() {
            builder
                .http2_keep_alive_interval(cfg.http2_read_idle_timeout.0)
                .http2_keep_alive_timeout(cfg.http2_ping_timeout.0)
                .http2_keep_alive_while_idle(true);
        }
        Ok(Client {
            http: builder.build(https),
            url,
            headers,
            timeout: (!cfg.timeout.is_zero()).then_some(cfg.timeout.0),
        })
    }

    fn tls_connector(
        cfg: &OtlpHttpExporterConfig,
        url: &Uri,
        connector: Connector,
        load_tls: bool,
    ) -> Result<HttpsConnector<Connector>, StageError> {
        let tls_config = if load_tls && url.scheme_str() == Some("https") {
            cfg.tls.client_config()?
        } else {
            // Never used: plain-text URLs skip TLS, and a check-mode build never sends.
            rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
                .with_safe_default_protocol_versions()
                .map_err(|e| StageError::new(e.to_string()))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        };
        let mut builder = HttpsConnectorBuilder::new().with_tls_config(tls_config).https_or_http();
        if !cfg.tls.server_name_override.is_empty() {
            let name = tls::server_name(&cfg.tls.server_name_override).map_err(StageError::new)?;
            builder = builder.with_server_name_resolver(FixedServerNameResolver::new(name));
        }
        Ok(if cfg.force_attempt_http2 {
            builder.enable_all_versions().wrap_connector(connector)
        } else {
            builder.enable_http1().wrap_connector(connector)
        })
    }

    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// POST `body` (already encoded and compressed) and read the answer, within `timeout`.
    pub async fn post(&self, body: Bytes) -> Result<Reply, TransportError> {
        let exchange = async {
            let mut req = Request::post(self.url.clone()).body(Full::new(body)).map_err(|e| chain(&e))?;
            *req.headers_mut() = self.headers.clone()?;
            let resp = self.http.request(req).await.map_err(|e| chain(&e))?;
            let (parts, mut body) = resp.into_parts();
            let mut buf = BytesMut::new();
            // Keep the start of a large body only; the rest is not needed.
            while buf.len() < MAX_RESPONSE_BODY {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            let room = MAX_RESPONSE_BODY - buf.len();
                            buf.extend_from_slice(&data[..data.len().min(room)]);
                        }
                    }
                    Some(Err(e)) => return Err(format!("reading the response: {}", chain(&e))),
                    None => break,
                }
            }
            Ok(Reply { status: parts.status, headers: parts.headers, body: buf.freeze() })
        };
        match self.timeout {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .map_err(|_| TransportError(format!("no response within timeout ({t:?})")))?
                .map_err(TransportError),
            None => exchange.await.map_err(TransportError),
        }
    }
}

/// The configured headers on top of `headers` (they win, as in otelcol: a
/// `Host` header sets the Host). otelcol accepts any name and value in its
/// config and Go's client refuses invalid ones on every request, with these
/// messages; the value itself is never shown.
fn configured_headers(cfg: &OtlpHttpExporterConfig, mut headers: HeaderMap) -> Result<HeaderMap, String> {
    for (name, value) in &cfg.headers.0 {
        let name_ok = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("net/http: invalid header field name {name:?}"))?;
        let mut value =
            HeaderValue::from_str(value).map_err(|_| format!("net/http: invalid header field value for {name:?}"))?;
        value.set_sensitive(true);
        headers.insert(name_ok, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(parse_url("https://otlp.example:4318/v1/logs").is_ok());
        assert!(parse_url("http://[::1]:4318/v1/logs").is_ok());
        assert!(parse_url("localhost:4318/v1/logs").unwrap_err().contains("scheme"));
        assert!(parse_url("ftp://x/v1/logs").unwrap_err().contains("unsupported scheme \"ftp\""));
        assert!(parse_url("/v1/logs").is_err());
    }

    #[tokio::test]
    async fn a_header_go_refuses_fails_each_request_not_the_config() {
        let cfg = crate::config::de::from_node::<OtlpHttpExporterConfig>(
            &crate::config::yaml::parse(
                "t",
                "endpoint: http://127.0.0.1:9\nheaders: {\"can you have a . here?\": F0000000, header1: \"234\"}\n",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(cfg.validate(), vec![]);
        let client = Client::new(&cfg, Signal::Logs, false).unwrap();
        let e = client.post(Bytes::new()).await.unwrap_err();
        assert_eq!(e.0, "net/http: invalid header field name \"can you have a . here?\"");
        let cfg = crate::config::de::from_node::<OtlpHttpExporterConfig>(
            &crate::config::yaml::parse("t", "endpoint: http://127.0.0.1:9\nheaders: {X-Token: \"a\\nb\"}\n").unwrap(),
        )
        .unwrap();
        let e = Client::new(&cfg, Signal::Logs, false).unwrap().post(Bytes::new()).await.unwrap_err();
        assert_eq!(e.0, "net/http: invalid header field value for \"X-Token\"");
    }

    #[test]
    fn user_agent_names_the_version() {
        assert_eq!(USER_AGENT_VALUE, format!("ferrocol/{}", env!("CARGO_PKG_VERSION")));
    }
}
