//! `proxy_url`: a tiny proxy in the test that records what it was asked and
//! relays bytes. HTTPS goes through CONNECT (TLS end to end, the proxy sees
//! only the target); plain HTTP is forwarded with the absolute URL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use ferrocol::ack::Outcome;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness::{self, outcome, simple};
use super::server::Server;

const T: Duration = Duration::from_secs(20);

/// Each connection's request head (up to the blank line).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn heads(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A proxy on 127.0.0.1: `CONNECT host:port` opens a tunnel; any other request
/// is relayed, head included, to the host of its absolute URL.
async fn start_proxy() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { continue };
            tokio::spawn(relay(client, record.clone()));
        }
    });
    (port, seen)
}

async fn relay(mut client: TcpStream, seen: Seen) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    seen.0.lock().unwrap().push(text.clone());
    let target = text.split_whitespace().nth(1).unwrap_or_default().to_string();
    let mut upstream = if text.starts_with("CONNECT ") {
        let upstream = TcpStream::connect(target.replace("localhost", "127.0.0.1")).await.unwrap();
        client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await.unwrap();
        upstream
    } else {
        let authority = target.trim_start_matches("http://").split('/').next().unwrap().to_string();
        let mut upstream = TcpStream::connect(authority).await.unwrap();
        upstream.write_all(&head).await.unwrap();
        upstream
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[tokio::test]
async fn http_endpoints_are_forwarded_with_credentials() {
    let server = Server::start().await;
    let (proxy_port, seen) = start_proxy().await;
    let yaml = format!("endpoint: {}\nproxy_url: http://ferrocol:pa%20ss@127.0.0.1:{proxy_port}\n", server.base_url());
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("fwd", 2)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let heads = seen.heads();
    assert_eq!(heads.len(), 1);
    let expected_line = format!("POST {}/v1/logs HTTP/1.1\r\n", server.base_url());
    assert!(heads[0].starts_with(&expected_line), "{}", heads[0]);
    let auth = base64::engine::general_purpose::STANDARD.encode("ferrocol:pa ss");
    assert!(heads[0]
        .to_ascii_lowercase()
        .contains(&format!("proxy-authorization: basic {}", auth.to_ascii_lowercase())));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].path, "/v1/logs");
}

#[tokio::test]
async fn https_endpoints_go_through_a_connect_tunnel() {
    let server = super::tls::self_signed_server().await;
    let (proxy_port, seen) = start_proxy().await;
    let yaml = format!(
        "endpoint: https://localhost:{}\nproxy_url: http://u:p@127.0.0.1:{proxy_port}\ntls: {{insecure_skip_verify: true}}\n",
        server.addr.port()
    );
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("tunnel", 2)).await, T).await, Outcome::Delivered);
    assert_eq!(outcome(exporter.send(simple("again", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let heads = seen.heads();
    assert_eq!(heads.len(), 1, "one tunnel, kept alive: {heads:?}");
    assert!(heads[0].starts_with(&format!("CONNECT localhost:{} HTTP/1.1\r\n", server.addr.port())), "{}", heads[0]);
    let auth = base64::engine::general_purpose::STANDARD.encode("u:p");
    assert!(heads[0].contains(&auth), "{}", heads[0]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_a_transport_error() {
    let server = Server::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let yaml = format!(
        "endpoint: {}\nproxy_url: http://127.0.0.1:{closed}\nretry_on_failure: {{enabled: false}}\n",
        server.base_url()
    );
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("x", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    assert!(server.requests().is_empty());
}
