//! The otlp receiver's gRPC side: OTLP's LogsService, TraceService and
//! MetricsService (tonic) on a listener bound at build time, in plain HTTP/2 or
//! TLS (rustls, [`crate::tls_server`]). Only the services of signals some
//! pipeline takes are registered, so the others answer UNIMPLEMENTED, as
//! otelcol's do. Each call answers after delivery: OK once every exporter
//! settled the data, UNAVAILABLE (retryable) when the pipeline is full or the
//! collector stops first, INVALID_ARGUMENT when an exporter refused it for
//! good. Requests may be gzip-, zstd- or snappy-compressed (snappy, which tonic
//! lacks, by [`crate::otlp::grpc_snappy`]). Spans are checked but not decoded
//! on the way in ([`super::grpc_raw`]).

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use tokio::net::TcpListener;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tonic::codec::{CompressionEncoding, EnabledCompressionEncodings};
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use super::grpc_config::GrpcServerConfig;
use super::grpc_raw::TraceServer;
use super::pipelines::{Delivery, Pipelines};
use crate::event::LogBatch;
use crate::otlp::grpc_snappy;
use crate::signal::{MetricBatch, Signal};

/// What the server needs from the config, resolved at build.
#[derive(Clone, Debug)]
pub struct Settings {
    pub max_recv_msg_size: usize,
    pub max_concurrent_streams: Option<u32>,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_timeout: Option<Duration>,
    pub max_connection_age: Option<Duration>,
    /// TLS, when configured (the files are read at build, in start mode).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Settings {
    pub fn new(cfg: &GrpcServerConfig) -> Settings {
        let keepalive = cfg.keepalive.as_ref();
        let (interval, timeout) = keepalive.map(|k| k.ping()).unwrap_or_default();
        Settings {
            max_recv_msg_size: cfg.max_recv_msg_size(),
            max_concurrent_streams: (cfg.max_concurrent_streams > 0).then_some(cfg.max_concurrent_streams),
            keepalive_interval: interval,
            keepalive_timeout: timeout,
            max_connection_age: keepalive.and_then(|k| k.max_connection_age()),
            tls: None,
        }
    }
}

#[derive(Clone)]
struct Otlp {
    pipelines: Arc<Pipelines>,
}

pub(super) fn answer(d: Delivery) -> Result<(), Status> {
    match d {
        Delivery::Delivered => Ok(()),
        Delivery::Rejected => Err(Status::invalid_argument(d.message())),
        other => Err(Status::unavailable(other.message())),
    }
}

#[tonic::async_trait]
impl LogsService for Otlp {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        answer(self.pipelines.deliver::<LogBatch>(request.into_inner().resource_logs).await)?;
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Otlp {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        answer(self.pipelines.deliver::<MetricBatch>(request.into_inner().resource_metrics).await)?;
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// Serve until `shutdown` fires; then in-flight calls finish (their data is
/// delivered or abandoned as the pipelines drain) and the server returns.
pub async fn serve(listener: TcpListener, pipelines: Arc<Pipelines>, s: Settings, shutdown: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        info!(endpoint = %addr, "Starting GRPC server");
    }
    let otlp = Otlp { pipelines: pipelines.clone() };
    let takes = |signal| pipelines.takes(signal);
    let max = s.max_recv_msg_size;
    let logs = takes(Signal::Logs).then(|| {
        let server = LogsServiceServer::new(otlp.clone())
            .max_decoding_message_size(max)
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd);
        grpc_snappy::Server::new(server, max)
    });
    let traces = takes(Signal::Traces).then(|| {
        let mut accept = EnabledCompressionEncodings::default();
        accept.enable(CompressionEncoding::Gzip);
        accept.enable(CompressionEncoding::Zstd);
        grpc_snappy::Server::new(TraceServer::new(pipelines.clone(), accept, max), max)
    });
    let metrics = takes(Signal::Metrics).then(|| {
        let server = MetricsServiceServer::new(otlp)
            .max_decoding_message_size(max)
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd);
        grpc_snappy::Server::new(server, max)
    });
    let mut builder = tonic::transport::Server::builder()
        .max_concurrent_streams(s.max_concurrent_streams)
        .http2_keepalive_interval(s.keepalive_interval)
        .http2_keepalive_timeout(s.keepalive_timeout);
    if let Some(age) = s.max_connection_age {
        builder = builder.max_connection_age(age);
    }
    let router = builder.add_optional_service(logs).add_optional_service(traces).add_optional_service(metrics);
    let served = match s.tls {
        Some(tls) => {
            let incoming = ReceiverStream::new(crate::tls_server::accept(listener, tls)).map(Ok::<_, std::io::Error>);
            router.serve_with_incoming_shutdown(incoming, shutdown.cancelled()).await
        }
        None => {
            // As grpc-go: without Nagle's delay, answers leave at once.
            let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
            router.serve_with_incoming_shutdown(incoming, shutdown.cancelled()).await
        }
    };
    if let Err(e) = served {
        warn!(error = %e, "the gRPC server stopped with an error");
    }
}
