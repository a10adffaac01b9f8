//! The `otlp` exporter against a gRPC server that is not ferrocol (grpcio and
//! the official opentelemetry-proto package, see peer.rs): TLS with a CA made
//! here, mutual TLS, gzip really sent, UNAVAILABLE with a RetryInfo then OK (retried after
//! the delay, delivered once), a partial success, and a server that is down
//! (backpressure, nothing lost, delivered when it comes up); a unix socket.
//!
//! They need the peer's venv: `make otlp-grpc-peer` runs them (they are
//! ignored by a plain `cargo test`). [`signals`] does the same for spans and
//! metrics, and sends them ferrocol to ferrocol with every compression;
//! [`chain`] is an agent → gateway pair of real ferrocols.

#[cfg(target_os = "linux")]
mod chain;
mod passthrough;
mod peer;
mod signals;

use std::time::Duration;

use ferrocol::ack::Outcome;
use ferrocol::event::ResourceLogs;

use crate::otlphttp::harness::{outcome, rich, simple, start_type};
use crate::otlphttp::tls::{Ca, Files};
use peer::{free_port, Peer};

const T: Duration = Duration::from_secs(30);

fn start(yaml: &str) -> crate::otlphttp::harness::Exporter {
    start_type("otlp", yaml, 16)
}

/// Plain text, fast retries.
fn insecure(port: u16, extra: &str) -> String {
    format!(
        "endpoint: 127.0.0.1:{port}\ntls: {{insecure: true}}\n\
         retry_on_failure: {{initial_interval: 20ms, max_interval: 100ms}}\n{extra}"
    )
}

/// A peer serving TLS with a certificate for `localhost` from a CA made here; the CA's file.
fn tls_peer(files: &Files) -> (Peer, String) {
    let ca = Ca::new("peer CA");
    let leaf = ca.leaf(&["localhost"]);
    let (cert, key) = (files.write("cert.pem", &leaf.cert_pem), files.write("key.pem", &leaf.key_pem));
    let ca_file = files.write("ca.pem", &ca.pem());
    (Peer::start(files.dir.path(), 0, &["--tls", &cert, &key]), ca_file)
}

fn bodies(logs: &[ResourceLogs]) -> Vec<String> {
    let records = logs.iter().flat_map(|rl| &rl.scope_logs).flat_map(|sl| &sl.log_records);
    records.map(|r| format!("{:?}", r.body)).collect()
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn tls_gzip_and_headers_every_field_arrives() {
    let files = Files::new();
    let (peer, ca_file) = tls_peer(&files);
    let exporter = start(&format!(
        "endpoint: localhost:{}\ntls: {{ca_file: {ca_file:?}}}\n\
         headers: {{X-Tenant: acme, authorization: Bearer t0k}}\n",
        peer.port
    ));
    let (sent_rich, sent_simple) = (rich(), simple("grpc", 3));
    let first = exporter.send(sent_rich.clone()).await;
    assert_eq!(outcome(first, T).await, Outcome::Delivered);
    assert_eq!(outcome(exporter.send(sent_simple.clone()).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let calls = peer.accepted();
    assert_eq!(calls.len(), 2, "{calls:?}");
    // Parsed by the official code: every field of every record, resource and scope.
    assert_eq!(calls[0].resource_logs, sent_rich);
    assert_eq!(calls[1].resource_logs, sent_simple);
    let md = &calls[0].metadata;
    assert_eq!(md["x-tenant"], "acme");
    assert_eq!(md["authorization"], "Bearer t0k");
    assert!(md["user-agent"].as_str().unwrap().starts_with("ferrocol/"), "{md:?}");

    // A server certificate from another CA: refused, nothing sent.
    let other = files.write("other.pem", &Ca::new("another CA").pem());
    let exporter = start(&format!(
        "endpoint: localhost:{}\ntls: {{ca_file: {other:?}}}\nretry_on_failure: {{enabled: false}}\n",
        peer.port
    ));
    assert_eq!(outcome(exporter.send(simple("x", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    assert_eq!(peer.calls().len(), 2);
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn gzip_is_what_goes_on_the_wire_by_default() {
    let files = Files::new();
    // This peer refuses compressed requests: the default (gzip) is refused for good...
    let peer = Peer::start(files.dir.path(), 0, &["--identity-only"]);
    let exporter = start(&insecure(peer.port, ""));
    assert_eq!(outcome(exporter.send(simple("gz", 2)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    // ... and `compression: none` is accepted.
    let exporter = start(&insecure(peer.port, "compression: none\n"));
    assert_eq!(outcome(exporter.send(simple("plain", 2)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let accepted = peer.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].resource_logs, simple("plain", 2));
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn unavailable_with_retry_info_then_ok_is_retried_after_the_delay_and_delivered_once() {
    let files = Files::new();
    let peer = Peer::start(files.dir.path(), 0, &["--fail-first", "2", "--retry-delay-ms", "700"]);
    let exporter = start(&insecure(peer.port, ""));
    let sent = simple("retry", 5);
    assert_eq!(outcome(exporter.send(sent.clone()).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let calls = peer.calls();
    let statuses: Vec<&str> = calls.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(statuses, ["UNAVAILABLE", "UNAVAILABLE", "OK"]);
    assert!(calls.iter().all(|c| c.resource_logs == sent && c.records == 5), "the same request each time");
    // The backoff alone waits ~20-100 ms; the server's RetryInfo asked for 700.
    for pair in calls.windows(2) {
        let gap = pair[1].time - pair[0].time;
        assert!(gap >= 0.65, "retried after {gap:.3}s, before the RetryInfo delay");
    }
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn a_partial_success_is_delivered_not_retried() {
    let files = Files::new();
    let peer = Peer::start(files.dir.path(), 0, &["--partial-success", "2"]);
    let exporter = start(&insecure(peer.port, ""));
    assert_eq!(outcome(exporter.send(simple("p", 4)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(peer.calls().len(), 1);
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn a_server_that_is_down_holds_the_pipeline_back_and_loses_nothing() {
    let files = Files::new();
    let port = free_port();
    let yaml = insecure(port, "timeout: 1s\nsending_queue: {num_consumers: 1, queue_size: 1}\n");
    let exporter = start_type("otlp", &yaml, 1);
    // Nothing listens: the exporter retries, its queue fills, then its input.
    let mut waiters = Vec::new();
    let mut sent = Vec::new();
    for i in 0..20 {
        let batch = simple(&format!("b{i}-"), 3);
        match exporter.try_send(batch.clone()) {
            Some(w) => {
                waiters.push(w);
                sent.extend(bodies(&batch));
            }
            None => break,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(waiters.len() < 8, "the input was not held back: {} batches taken", waiters.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The server comes up on that port: everything is delivered, each record once.
    let peer = Peer::start(files.dir.path(), port, &[]);
    for w in waiters {
        assert_eq!(outcome(w, T).await, Outcome::Delivered);
    }
    let more = simple("after-", 2);
    assert_eq!(outcome(exporter.send(more.clone()).await, T).await, Outcome::Delivered);
    sent.extend(bodies(&more));
    exporter.finish(T).await;
    let mut received: Vec<String> = peer.accepted().iter().flat_map(|c| bodies(&c.resource_logs)).collect();
    received.sort();
    sent.sort();
    assert_eq!(received, sent);
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn a_unix_socket_endpoint() {
    let files = Files::new();
    let socket = files.dir.path().join("otlp.sock").to_string_lossy().into_owned();
    let peer = Peer::start(files.dir.path(), 0, &["--unix", &socket]);
    let exporter = start(&format!("endpoint: unix://{socket}\ntls: {{insecure: true}}\n"));
    let sent = simple("uds", 2);
    assert_eq!(outcome(exporter.send(sent.clone()).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(peer.accepted()[0].resource_logs, sent);
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn mutual_tls_with_a_client_certificate() {
    let files = Files::new();
    let ca = Ca::new("mTLS CA");
    let (server, client) = (ca.leaf(&["localhost"]), ca.leaf(&["ferrocol"]));
    let (cert, key) = (files.write("s.pem", &server.cert_pem), files.write("s.key", &server.key_pem));
    let ca_file = files.write("ca.pem", &ca.pem());
    let peer = Peer::start(files.dir.path(), 0, &["--tls", &cert, &key, "--client-ca", &ca_file]);
    let base = format!("endpoint: localhost:{}\nretry_on_failure: {{enabled: false}}\n", peer.port);
    // Without a client certificate the handshake fails: rejected, nothing received.
    let exporter = start(&format!("{base}tls: {{ca_file: {ca_file:?}}}\n"));
    assert_eq!(outcome(exporter.send(simple("anon", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    let (c, k) = (files.write("c.pem", &client.cert_pem), files.write("c.key", &client.key_pem));
    let exporter = start(&format!("{base}tls: {{ca_file: {ca_file:?}, cert_file: {c:?}, key_file: {k:?}}}\n"));
    assert_eq!(outcome(exporter.send(simple("mtls", 2)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let calls = peer.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].resource_logs, simple("mtls", 2));
}
