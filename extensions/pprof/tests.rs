//! The extension through a real socket on 127.0.0.1.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::config::de::from_node;
use crate::config::yaml::parse;
use crate::config::ComponentId;

#[test]
fn upstream_testdata_and_defaults() {
    let root = parse("config.yaml", include_str!("testdata/config.yaml")).unwrap();
    let c: PprofConfig = from_node(&root.get("pprof/1").unwrap().clone()).unwrap();
    assert_eq!((c.endpoint.as_str(), c.block_profile_fraction, c.mutex_profile_fraction), ("0.0.0.0:1777", 3, 5));
    let d = PprofConfig::default();
    assert_eq!((d.endpoint.as_str(), d.save_to_file.as_str()), ("localhost:1777", ""));
    assert!(from_node::<PprofConfig>(&parse("c", "bogus: 1\n").unwrap()).is_err());
    assert_eq!(server::seconds_of(Some("seconds=5")), 5);
    assert_eq!(server::seconds_of(Some("debug=1&seconds=x")), 30);
    assert_eq!(server::seconds_of(None), 30);
}

/// Status, headers (lowercase names) and body of one request.
async fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut raw)).await.unwrap().unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_index_and_go_404s() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cfg: PprofConfig = from_node(&parse("c", &format!("endpoint: 127.0.0.1:{port}\n")).unwrap()).unwrap();
    let (_ready, rx) = watch::channel(true);
    let shutdown = CancellationToken::new();
    let built = cfg.build(ExtensionContext::new(ComponentId::new("pprof", None), rx, shutdown.clone())).unwrap();
    let task = tokio::spawn(built.task.unwrap());

    let (status, _, body) = get(port, "/debug/pprof/").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(body).unwrap().contains("profile"));
    assert_eq!(get(port, "/debug/pprof/heap").await.0, 404);

    // The samples themselves are checked on the real binary (tests/pprof_extension.rs).
    let (status, head, body) = get(port, "/debug/pprof/profile?seconds=1").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/octet-stream"), "{head}");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip");
    shutdown.cancel();
    task.await.unwrap().unwrap();
}
