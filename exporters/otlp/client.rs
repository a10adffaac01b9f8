//! The gRPC client: a tonic channel (one HTTP/2 connection, made when first
//! needed and again after it breaks) over ferrocol's own dialer (TCP or a unix
//! socket, then rustls with ALPN `h2`), the metadata sent with every call, and
//! one unary call of an already encoded request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Body as HttpBody;
use hyper::http::uri::PathAndQuery;
use hyper::Uri;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tonic::client::{Grpc, GrpcService};
use tonic::codec::CompressionEncoding;
use tonic::codegen::StdError;
use tonic::metadata::{AsciiMetadataValue, BinaryMetadataValue, MetadataKey, MetadataMap};
use tonic::transport::{Channel, Endpoint};
use tonic::Status;

use super::config::{Compression, OtlpExporterConfig, Target};
use crate::component::StageError;
use crate::export::error_chain;
use crate::export::tls::server_name;
use crate::otlp::grpc_codec::BytesCodec;
use crate::otlp::grpc_snappy;

/// `User-Agent` of every call (tonic appends its own name).
const USER_AGENT: &str = concat!("ferrocol/", env!("CARGO_PKG_VERSION"));

/// A header as gRPC metadata: `Err((key, message))` when it cannot be one.
/// The value itself is never shown: it is often a credential.
pub fn check_header(name: &str, value: &str) -> Result<(), (String, String)> {
    if name.ends_with("-bin") {
        MetadataKey::<tonic::metadata::Binary>::from_bytes(name.as_bytes()).map(drop)
    } else {
        MetadataKey::<tonic::metadata::Ascii>::from_bytes(name.as_bytes()).map(drop)
    }
    .map_err(|_| ("headers".to_string(), format!("invalid header name {name:?}")))?;
    if !name.ends_with("-bin") && AsciiMetadataValue::try_from(value).is_err() {
        return Err((format!("headers::{name}"), "invalid header value (not shown)".into()));
    }
    Ok(())
}

fn metadata(cfg: &OtlpExporterConfig) -> Result<MetadataMap, StageError> {
    let mut map = MetadataMap::new();
    for (name, value) in &cfg.headers.0 {
        let bad = || StageError::new(format!("headers: invalid header {name:?}")).at("headers");
        let lower = name.to_ascii_lowercase();
        if lower.ends_with("-bin") {
            let key = MetadataKey::from_bytes(lower.as_bytes()).map_err(|_| bad())?;
            map.insert_bin(key, BinaryMetadataValue::from_bytes(value.as_bytes()));
        } else {
            let key = MetadataKey::from_bytes(lower.as_bytes()).map_err(|_| bad())?;
            let mut value = AsciiMetadataValue::try_from(value.as_str()).map_err(|_| bad())?;
            value.set_sensitive(true);
            map.insert(key, value);
        }
    }
    Ok(map)
}

/// A connection's byte stream, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Opens connections for the channel. The channel's URI is always `http://`:
/// whether to use TLS is decided here, from the config.
#[derive(Clone)]
struct Dialer {
    target: Arc<Target>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl tower_service::Service<Uri> for Dialer {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let io: Box<dyn Io> = match &*this.target {
                Target::Tcp { host, port } => {
                    let host = if host.is_empty() { "localhost" } else { host.as_str() };
                    let stream = TcpStream::connect((host, *port)).await?;
                    stream.set_nodelay(true)?;
                    Box::new(stream)
                }
                Target::Unix(path) => Box::new(UnixStream::connect(path).await?),
            };
            Ok(TokioIo::new(match this.tls {
                Some((connector, name)) => Box::new(connector.connect(name, io).await?) as Box<dyn Io>,
                None => io,
            }))
        })
    }
}

/// How requests are compressed: by tonic, or snappy (which tonic lacks).
#[derive(Clone, Copy)]
enum Wire {
    Tonic(Option<CompressionEncoding>),
    Snappy,
}

pub struct Client {
    channel: Channel,
    metadata: MetadataMap,
    compression: Wire,
    timeout: Option<Duration>,
    /// The endpoint as configured, for messages.
    pub endpoint: String,
}

impl Client {
    /// Reads the TLS files (`load_tls`, start mode); connects only when first used.
    pub fn new(cfg: &OtlpExporterConfig, load_tls: bool) -> Result<Client, StageError> {
        let target = cfg.target().map_err(|e| StageError::new(e).at("endpoint"))?;
        let tls = match (cfg.uses_tls(), load_tls) {
            (true, true) => {
                let mut config = cfg.tls.client_config()?;
                config.alpn_protocols = vec![b"h2".to_vec()];
                let name = match (cfg.tls.server_name_override.as_str(), &target) {
                    ("", Target::Tcp { host, .. }) => server_name(host),
                    ("", Target::Unix(_)) => server_name("localhost"),
                    (name, _) => server_name(name),
                }
                .map_err(|e| StageError::new(format!("tls: {e}")))?;
                Some((TlsConnector::from(Arc::new(config)), name))
            }
            _ => None,
        };
        let scheme = if cfg.uses_tls() { "https" } else { "http" };
        let authority = match cfg.authority.as_str() {
            "" => target.authority(),
            a => a.to_string(),
        };
        let bad = |e: &dyn std::fmt::Display| StageError::new(format!("invalid endpoint: {e}")).at("endpoint");
        let origin: Uri = format!("{scheme}://{authority}").parse().map_err(|e| bad(&e))?;
        let mut endpoint = Endpoint::from_shared(format!("http://{}", target.authority()))
            .map_err(|e| bad(&e))?
            .origin(origin)
            .user_agent(USER_AGENT)
            .map_err(|e| bad(&e))?;
        if !cfg.timeout.is_zero() {
            endpoint = endpoint.connect_timeout(cfg.timeout.0);
        }
        if let Some(k) = cfg.keepalive.as_ref().filter(|k| !k.time.is_zero()) {
            endpoint = endpoint
                .http2_keep_alive_interval(k.time.0)
                .keep_alive_timeout(k.timeout.0)
                .keep_alive_while_idle(k.permit_without_stream);
        }
        let channel = endpoint.connect_with_connector_lazy(Dialer { target: Arc::new(target), tls });
        Ok(Client {
            channel,
            metadata: metadata(cfg)?,
            compression: match cfg.compression {
                Compression::Gzip => Wire::Tonic(Some(CompressionEncoding::Gzip)),
                Compression::Zstd => Wire::Tonic(Some(CompressionEncoding::Zstd)),
                Compression::Snappy => Wire::Snappy,
                Compression::None => Wire::Tonic(None),
            },
            timeout: (!cfg.timeout.is_zero()).then_some(cfg.timeout.0),
            endpoint: cfg.endpoint.clone(),
        })
    }

    /// One unary call of `path` with an encoded request; the encoded answer.
    pub async fn call(&self, path: &'static str, request: Bytes) -> Result<Bytes, Status> {
        let mut req = tonic::Request::new(request);
        *req.metadata_mut() = self.metadata.clone();
        if let Some(t) = self.timeout {
            req.set_timeout(t);
        }
        let exchange = async {
            match self.compression {
                Wire::Snappy => unary(Grpc::new(grpc_snappy::Client::new(self.channel.clone())), req, path).await,
                Wire::Tonic(compression) => {
                    let mut grpc = Grpc::new(self.channel.clone());
                    if let Some(c) = compression {
                        grpc = grpc.send_compressed(c);
                    }
                    unary(grpc, req, path).await
                }
            }
        };
        match self.timeout {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .map_err(|_| Status::deadline_exceeded(format!("no answer within timeout ({t:?})")))?,
            None => exchange.await,
        }
    }
}

/// One unary call on `grpc`.
async fn unary<T>(mut grpc: Grpc<T>, req: tonic::Request<Bytes>, path: &'static str) -> Result<Bytes, Status>
where
    T: GrpcService<tonic::body::Body>,
    T::Error: Into<StdError>,
    T::ResponseBody: HttpBody<Data = Bytes> + Send + 'static,
    <T::ResponseBody as HttpBody>::Error: Into<StdError> + Send,
{
    grpc.ready().await.map_err(|e| Status::unavailable(error_chain(&*e.into())))?;
    Ok(grpc.unary(req, PathAndQuery::from_static(path), BytesCodec).await?.into_inner())
}
