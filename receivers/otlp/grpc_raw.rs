//! The gRPC TraceService without decoding: each Export call's message is
//! checked and counted by [`crate::otlp::scan`] (the wire format, as prost's
//! decoder checks it) and enters the pipeline as [`Encoded`] bytes, decoded
//! later only where a processor or exporter needs the spans. A pipeline of
//! `batch` and the `otlp` exporter so forwards requests without a decode and
//! re-encode, the bulk of a gateway's CPU. Bad input is still refused at the
//! door: a message that fails the check is INTERNAL ("error unmarshalling
//! request"), as grpc-go (otelcol) and tonic answer a failed decode.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tonic::body::Body;
use tonic::codec::EnabledCompressionEncodings;
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};

use super::grpc::answer;
use super::pipelines::Pipelines;
use crate::otlp::grpc_codec::BytesCodec;
use crate::otlp::scan;
use crate::signal::{Encoded, TraceBatch};

const METHOD: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The TraceService, serving [`METHOD`] only (others are UNIMPLEMENTED).
#[derive(Clone)]
pub struct TraceServer {
    pipelines: Arc<Pipelines>,
    accept: EnabledCompressionEncodings,
    max_decoding: usize,
}

impl TraceServer {
    pub fn new(pipelines: Arc<Pipelines>, accept: EnabledCompressionEncodings, max_decoding: usize) -> Self {
        TraceServer { pipelines, accept, max_decoding }
    }
}

impl NamedService for TraceServer {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<B> tower_service::Service<tonic::codegen::http::Request<B>> for TraceServer
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = tonic::codegen::http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: tonic::codegen::http::Request<B>) -> Self::Future {
        if req.uri().path() != METHOD {
            return Box::pin(async { Ok(Status::unimplemented("").into_http()) });
        }
        let this = self.clone();
        Box::pin(async move {
            let mut grpc = Grpc::new(BytesCodec)
                .apply_compression_config(this.accept, EnabledCompressionEncodings::default())
                .apply_max_message_size_config(Some(this.max_decoding), None);
            Ok(grpc.unary(Export(this.pipelines), req).await)
        })
    }
}

struct Export(Arc<Pipelines>);

impl UnaryService<Bytes> for Export {
    /// An `ExportTraceServiceResponse` in protobuf.
    type Response = Bytes;
    type Future = BoxFuture<Result<Response<Bytes>, Status>>;

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let pipelines = self.0.clone();
        Box::pin(async move {
            let body = request.into_inner();
            let spans = scan::scan(&body, &scan::TRACE_REQUEST).map_err(Status::internal)?;
            answer(pipelines.deliver_encoded::<TraceBatch>(Encoded::new(body, spans)).await)?;
            // A full success: the empty message.
            Ok(Response::new(Bytes::new()))
        })
    }
}
