//! Reaching the endpoint: directly, or through an HTTP proxy (`proxy_url`, else
//! `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as Go reads them). `https://`
//! endpoints go through a CONNECT tunnel (TLS end to end); `http://` ones are
//! forwarded (the request line carries the absolute URL), as Go's client does.

use std::future::{poll_fn, Future};
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use hyper::header::HeaderValue;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A proxy: where to connect, and the `Proxy-Authorization` to send.
#[derive(Clone)]
pub struct Proxy {
    pub uri: Uri,
    pub auth: Option<HeaderValue>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URI was rebuilt without the credentials.
        write!(f, "{}", self.uri)
    }
}

/// Parse `http://[user:password@]host[:port]` (otelcol's proxy URLs with a scheme
/// ferrocol speaks). Messages never repeat the URL, which may hold a password.
pub fn parse_proxy_url(s: &str) -> Result<Proxy, String> {
    // Go assumes http:// for proxies from the environment written without a scheme.
    let with_scheme = if s.contains("://") { s.to_string() } else { format!("http://{s}") };
    let uri: Uri = with_scheme.parse().map_err(|e| format!("invalid proxy URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
                "proxy scheme {other:?} is not supported (use an http:// proxy, which can tunnel https)"
            ))
        }
        None => return Err("invalid proxy URL: missing scheme".into()),
    }
    let authority = uri.authority().ok_or("invalid proxy URL: missing host")?;
    let host = authority.host();
    if host.is_empty() {
        return Err("invalid proxy URL: missing host".into());
    }
    let port = authority.port_u16().unwrap_or(80);
    let auth = match authority.as_str().rsplit_once('@') {
        Some((userinfo, _)) => {
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let token = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                percent_decode(user),
                percent_decode(pass)
            ));
            let mut value =
                HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| "invalid proxy credentials")?;
            value.set_sensitive(true);
            Some(value)
        }
        None => None,
    };
    let uri = format!("http://{host}:{port}").parse().map_err(|e| format!("invalid proxy URL: {e}"))?;
    Ok(Proxy { uri, auth })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The proxy for `url`: `proxy_url` when set, else the environment, as Go's
/// `http.ProxyFromEnvironment` reads it (never for localhost or loopback addresses).
pub fn proxy_for(url: &Uri, proxy_url: &str) -> Result<Option<Proxy>, String> {
    if !proxy_url.is_empty() {
        return parse_proxy_url(proxy_url).map(Some);
    }
    let host = url.host().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return Ok(None);
    }
    let var = |names: [&str; 2]| names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()));
    let https = url.scheme_str() == Some("https");
    let Some(proxy) = (if https { var(["HTTPS_PROXY", "https_proxy"]) } else { var(["HTTP_PROXY", "http_proxy"]) })
    else {
        return Ok(None);
    };
    let no_proxy = var(["NO_PROXY", "no_proxy"]).unwrap_or_default();
    let matcher = Matcher::builder().http(proxy.clone()).https(proxy.clone()).no(no_proxy).build();
    if matcher.intercept(url).is_none() {
        return Ok(None);
    }
    let name = if https { "HTTPS_PROXY" } else { "HTTP_PROXY" };
    parse_proxy_url(&proxy).map(Some).map_err(|e| format!("{name}: {e}"))
}

/// A TCP connection, remembering whether it goes to a forwarding proxy (so
/// that hyper writes absolute URLs in request lines).
pub struct Stream {
    io: TokioIo<TcpStream>,
    forwarded: bool,
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarded)
    }
}

impl Read for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl Write for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// The TCP connector under TLS: direct, tunnelled or forwarded.
#[derive(Clone)]
pub enum Connector {
    Direct(HttpConnector),
    Tunnel(Tunnel<HttpConnector>),
    Forward(HttpConnector, Uri),
}

impl Connector {
    /// For requests to `url`, through `proxy` if any.
    pub fn new(url: &Uri, proxy: Option<Proxy>) -> Connector {
        let mut http = HttpConnector::new();
        // The TLS layer above checks the scheme.
        http.enforce_http(false);
        http.set_nodelay(true);
        // Go's default dialer: 30s to connect, TCP keep-alive every 30s.
        http.set_connect_timeout(Some(Duration::from_secs(30)));
        http.set_keepalive(Some(Duration::from_secs(30)));
        match proxy {
            None => Connector::Direct(http),
            Some(p) if url.scheme_str() == Some("https") => {
                let tunnel = Tunnel::new(p.uri, http);
                Connector::Tunnel(match p.auth {
                    Some(auth) => tunnel.with_auth(auth),
                    None => tunnel,
                })
            }
            Some(p) => Connector::Forward(http, p.uri),
        }
    }
}

impl Service<Uri> for Connector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Each call works on its own clone, which is readied there.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let (mut http, target, forwarded) = match this {
                Connector::Direct(http) => (http, dst, false),
                Connector::Forward(http, proxy) => (http, proxy, true),
                Connector::Tunnel(mut tunnel) => {
                    poll_fn(|cx| tunnel.poll_ready(cx)).await.map_err(|e| tunnel_error(&e))?;
                    let io = tunnel.call(dst).await.map_err(|e| tunnel_error(&e))?;
                    return Ok(Stream { io, forwarded: false });
                }
            };
            poll_fn(|cx| http.poll_ready(cx)).await?;
            let io = http.call(target).await?;
            Ok(Stream { io, forwarded })
        })
    }
}

fn tunnel_error(e: &dyn std::error::Error) -> BoxError {
    let mut msg = format!("proxy CONNECT failed: {e:?}");
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        let p = parse_proxy_url("http://proxy.example:3128").unwrap();
        assert_eq!(p.uri, "http://proxy.example:3128/");
        assert!(p.auth.is_none());
        let p = parse_proxy_url("http://al%40x:open%20sesame@10.0.0.1").unwrap();
        assert_eq!(p.uri, "http://10.0.0.1:80/");
        let expected = base64::engine::general_purpose::STANDARD.encode("al@x:open sesame");
        assert_eq!(p.auth.unwrap().to_str().unwrap(), format!("Basic {expected}"));
        assert_eq!(parse_proxy_url("proxy:8080").unwrap().uri, "http://proxy:8080/");
        let e = parse_proxy_url("socks5://u:secret@h:1080").unwrap_err();
        assert!(e.contains("\"socks5\" is not supported") && !e.contains("secret"), "{e}");
        assert!(format!("{:?}", parse_proxy_url("http://u:secret@h:1").unwrap()).find("secret").is_none());
    }

    #[test]
    fn explicit_proxy_wins_and_loopback_is_never_proxied_from_the_environment() {
        let url: Uri = "https://127.0.0.1:4318/v1/logs".parse().unwrap();
        assert!(proxy_for(&url, "http://p:1").unwrap().is_some());
        // Whatever the environment says (it is not changed here: tests run in parallel).
        assert!(proxy_for(&url, "").unwrap().is_none());
        assert!(proxy_for(&"http://localhost:1/".parse().unwrap(), "").unwrap().is_none());
        assert!(proxy_for(&"http://[::1]:1/".parse().unwrap(), "").unwrap().is_none());
    }
}
