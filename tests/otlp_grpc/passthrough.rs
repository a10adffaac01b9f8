//! Spans through a gateway without a decode: otlp gRPC receiver → batch →
//! otlp exporter carries the request bodies as they came (checked, counted,
//! concatenated). What arrives is read by an independent decoder (the grpcio
//! peer's official opentelemetry-proto package), and a body that is not
//! OTLP is still refused at the door. With a persistent sending queue, what
//! the queue wrote to disk is sent as it is, logs and spans alike.

use std::time::Duration;

use bytes::Bytes;
use ferrocol::otlp::grpc_codec::BytesCodec;
use ferrocol::signal::ResourceSpans;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;

use super::peer::Peer;
use super::signals::spans;
use crate::util::{self, Running};

fn gateway(dir: &std::path::Path, port: u16, exporter: &str) -> Running {
    let cfg = util::write(
        dir,
        "gateway.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             processors: {{batch: {{timeout: 200ms}}}}\n\
             exporters: {exporter}\n\
             service:\n  pipelines:\n\
             \x20   traces: {{receivers: [otlp], processors: [batch], exporters: [otlp]}}\n"
        ),
    );
    let running = Running::start(&["--config", &cfg]);
    util::wait_port(port, Duration::from_secs(30));
    running
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn spans_pass_through_a_gateway_and_decode_as_sent() {
    let dir = util::tempdir();
    let peer = Peer::start(dir.path(), 0, &[]);
    let port = util::free_port();
    let exporter = format!("{{otlp: {{endpoint: '127.0.0.1:{}', tls: {{insecure: true}}}}}}", peer.port);
    let mut gw = gateway(dir.path(), port, &exporter);
    let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{port}")).await.unwrap();
    let sent: Vec<Vec<ResourceSpans>> = (0..3u8).map(|i| spans(&format!("p{i}-"), 2 + i)).collect();
    let calls: Vec<_> = sent
        .iter()
        .map(|s| {
            let mut c = client.clone();
            let request = ExportTraceServiceRequest { resource_spans: s.clone() };
            tokio::spawn(async move { c.export(request).await.map(drop) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("delivered");
    }
    let calls = peer.accepted();
    let got: Vec<ResourceSpans> =
        calls.iter().flat_map(|c| ExportTraceServiceRequest::decode(&c.request[..]).unwrap().resource_spans).collect();
    // Concurrent calls may be batched in any order: compare as sets of resources.
    let mut want: Vec<ResourceSpans> = sent.concat();
    let key = |r: &ResourceSpans| r.encode_to_vec();
    want.sort_by_key(key);
    let mut got_sorted = got.clone();
    got_sorted.sort_by_key(key);
    assert_eq!(got_sorted, want);
    assert_eq!(calls.iter().map(|c| c.records).sum::<usize>(), 2 + 3 + 4);
    client.export(ExportTraceServiceRequest::default()).await.expect("an empty request is OK");
    gw.stop();
}

/// Logs (decoded by the receiver) and spans (not decoded) through a gateway
/// whose otlp exporter has `sending_queue.storage`: the queue writes each batch
/// as protobuf and sends those bytes, gzipped, without decoding them again.
#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn a_persistent_queue_sends_what_it_stored_as_sent() {
    use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    let dir = util::tempdir();
    let peer = Peer::start(dir.path(), 0, &[]);
    let port = util::free_port();
    let cfg = util::write(
        dir.path(),
        "gateway.yaml",
        &format!(
            "extensions: {{file_storage/q: {{directory: {}, create_directory: true}}}}\n\
             receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters: {{otlp: {{endpoint: '127.0.0.1:{}', tls: {{insecure: true}}, \
             sending_queue: {{storage: file_storage/q}}}}}}\n\
             service:\n  extensions: [file_storage/q]\n  pipelines:\n\
             \x20   traces: {{receivers: [otlp], exporters: [otlp]}}\n\
             \x20   logs: {{receivers: [otlp], exporters: [otlp]}}\n",
            dir.path().join("queue").display(),
            peer.port
        ),
    );
    let mut gw = Running::start(&["--config", &cfg]);
    util::wait_port(port, Duration::from_secs(30));
    let url = format!("http://127.0.0.1:{port}");
    let spans_sent = spans("q-", 3);
    let mut traces = TraceServiceClient::connect(url.clone()).await.unwrap();
    traces.export(ExportTraceServiceRequest { resource_spans: spans_sent.clone() }).await.expect("stored");
    let logs_sent = crate::otlphttp::harness::rich();
    let mut logs = LogsServiceClient::connect(url).await.unwrap();
    logs.export(ExportLogsServiceRequest { resource_logs: logs_sent.clone() }).await.expect("stored");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while peer.accepted().len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let calls = peer.accepted();
    let got_spans: Vec<ResourceSpans> = calls
        .iter()
        .filter(|c| c.signal == "traces")
        .flat_map(|c| ExportTraceServiceRequest::decode(&c.request[..]).unwrap().resource_spans)
        .collect();
    assert_eq!(got_spans, spans_sent);
    let got_logs: Vec<_> = calls.iter().filter(|c| c.signal == "logs").flat_map(|c| c.resource_logs.clone()).collect();
    assert_eq!(got_logs, logs_sent);
    gw.stop();
}

#[tokio::test]
async fn a_body_that_is_not_otlp_is_refused_as_a_failed_decode() {
    let dir = util::tempdir();
    let port = util::free_port();
    // An exporter that would never be reached: nothing gets that far.
    let mut gw = gateway(dir.path(), port, "{otlp: {endpoint: '127.0.0.1:9', tls: {insecure: true}}}");
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}")).unwrap().connect().await.unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    let path: tonic::codegen::http::uri::PathAndQuery =
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export".parse().unwrap();
    // Field 1 (resource_spans) holding a string field 5 with invalid UTF-8 five levels down.
    let span = [0x2a, 0x02, 0xc3, 0x28]; // Span.name = 0xc3 0x28
    let scope_spans = [&[0x12, span.len() as u8][..], &span].concat();
    let resource_spans = [&[0x12, scope_spans.len() as u8][..], &scope_spans].concat();
    let body = [&[0x0a, resource_spans.len() as u8][..], &resource_spans].concat();
    for bad in [body, b"\x0a\xff\xff".to_vec()] {
        grpc.ready().await.unwrap();
        let status = grpc.unary(tonic::Request::new(Bytes::from(bad)), path.clone(), BytesCodec).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Internal, "{status:?}");
        assert!(status.message().starts_with("failed to decode Protobuf message"), "{status:?}");
    }
    let (_, stderr) = (gw.stop(), gw.stderr());
    assert!(!stderr.contains("panicked"), "{stderr}");
}
