//! The server through real sockets on 127.0.0.1, driven by a `watch` channel as
//! the topology drives it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::HealthCheckConfig;
use crate::component::{ExtensionConfig, ExtensionContext, StageError};
use crate::config::de::from_node;
use crate::config::yaml::parse;
use crate::config::ComponentId;

const NOT_READY: &str = r#"{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}"#;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    port: u16,
    ready: watch::Sender<bool>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), StageError>>,
}

fn config(port: u16, extra: &str) -> HealthCheckConfig {
    let c: HealthCheckConfig =
        from_node(&parse("c", &format!("endpoint: 127.0.0.1:{port}\n{extra}")).unwrap()).unwrap();
    assert!(c.validate().is_empty());
    c
}

fn context(ready: watch::Receiver<bool>, shutdown: CancellationToken) -> ExtensionContext {
    ExtensionContext::new(ComponentId::new("health_check", None), ready, shutdown)
}

/// Build and spawn the extension with `extra` YAML keys; waits until it listens.
async fn start(extra: &str) -> Server {
    let port = free_port();
    let (ready, rx) = watch::channel(false);
    let shutdown = CancellationToken::new();
    let built = config(port, extra).build(context(rx, shutdown.clone())).unwrap();
    assert!(built.storage.is_none());
    let task = tokio::spawn(built.task.expect("health_check runs a server"));
    for _ in 0..500 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Server { port, ready, shutdown, task };
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("health_check did not listen on {port}");
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

async fn request(port: u16, method: &str, path: &str) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw)).await.unwrap().unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

async fn get(port: u16, path: &str) -> Answer {
    request(port, "GET", path).await
}

/// Checks the 200 document and returns its (upSince, uptime).
fn available(a: &Answer) -> (String, Duration) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let prefix = r#"{"status":"Server available","upSince":""#;
    assert!(a.body.starts_with(prefix), "{}", a.body);
    let doc: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "{}", a.body);
    let up_since = doc["upSince"].as_str().unwrap().to_string();
    chrono::DateTime::parse_from_rfc3339(&up_since).unwrap_or_else(|e| panic!("{up_since}: {e}"));
    if let Some((_, rest)) = up_since.split_once('.') {
        let frac: String = rest.chars().take_while(char::is_ascii_digit).collect();
        assert!(!frac.ends_with('0'), "Go trims trailing zeros: {up_since}");
    }
    let uptime = doc["uptime"].as_str().unwrap();
    let parsed = crate::config::types::parse_duration(uptime).unwrap_or_else(|e| panic!("{uptime}: {e}"));
    (up_since, parsed)
}

#[tokio::test]
async fn answers_follow_readiness() {
    let s = start("").await;
    let a = get(s.port, "/").await;
    assert_eq!((a.status, a.body.as_str()), (503, NOT_READY));
    assert_eq!(a.header("content-type"), Some("application/json"));

    s.ready.send(true).unwrap();
    let (since1, uptime1) = available(&get(s.port, "/").await);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (since2, uptime2) = available(&get(s.port, "/").await);
    assert_eq!(since1, since2, "upSince is when readiness began");
    assert!(uptime2 >= uptime1 + Duration::from_millis(20), "{uptime1:?} then {uptime2:?}");

    s.ready.send(false).unwrap();
    let a = get(s.port, "/").await;
    assert_eq!((a.status, a.body.as_str()), (503, NOT_READY));

    s.ready.send(true).unwrap();
    let (since3, _) = available(&get(s.port, "/").await);
    assert_ne!(since3, since1, "a new readiness period has a new upSince");
    s.shutdown.cancel();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn default_path_answers_every_path_and_method() {
    let s = start("").await;
    s.ready.send(true).unwrap();
    for (method, path) in [("GET", "/"), ("GET", "/any/where"), ("POST", "/")] {
        available(&request(s.port, method, path).await);
    }
    let head = request(s.port, "HEAD", "/").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("application/json"));
    assert_eq!(head.body, "", "HEAD has no body");
    s.shutdown.cancel();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn custom_path_and_404_elsewhere() {
    let s = start("path: /health/status\n").await;
    assert_eq!(get(s.port, "/health/status").await.status, 503);
    s.ready.send(true).unwrap();
    available(&get(s.port, "/health/status").await);
    for other in ["/", "/health", "/health/status/x", "/metrics"] {
        let a = get(s.port, other).await;
        assert_eq!(a.status, 404, "{other}");
        assert_eq!(a.body, "404 page not found\n");
        assert_eq!(a.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    }
    s.shutdown.cancel();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn custom_response_bodies() {
    let s = start("response_body: {healthy: I'm OK, unhealthy: I'm not well}\n").await;
    let a = get(s.port, "/").await;
    assert_eq!((a.status, a.body.as_str()), (503, "I'm not well"));
    assert_eq!(a.header("content-type"), Some("text/plain; charset=utf-8"));
    s.ready.send(true).unwrap();
    let a = get(s.port, "/").await;
    assert_eq!((a.status, a.body.as_str()), (200, "I'm OK"));
    s.shutdown.cancel();
    s.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_stops_serving_even_with_idle_connections() {
    let s = start("").await;
    // An idle keep-alive connection must not hold the server up.
    let _idle = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
    s.shutdown.cancel();
    let result = tokio::time::timeout(Duration::from_secs(5), s.task).await.expect("task returns after shutdown");
    result.unwrap().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", s.port)).await.is_err(), "nothing listens any more");
}

#[test]
fn check_mode_binds_nothing() {
    // No runtime here: a check-mode build must not touch the network.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (_ready, rx) = watch::channel(false);
    let mut cx = context(rx, CancellationToken::new());
    cx.startup = ferrocol_check_mode();
    let built = config(port, "").build(cx).unwrap();
    assert!(built.task.is_some());
}

fn ferrocol_check_mode() -> crate::startup::Startup {
    crate::startup::Startup::new(crate::startup::Mode::Check)
}

#[test]
fn bind_failure_is_a_build_error_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (_ready, rx) = watch::channel(false);
    let Err(err) = config(port, "").build(context(rx, CancellationToken::new())) else { panic!("the port is taken") };
    assert_eq!(err.key, "endpoint");
    assert!(err.message.starts_with(&format!("failed to bind to address 127.0.0.1:{port}: ")), "{err}");
    assert!(err.message.to_lowercase().contains("in use"), "{err}");
}

#[tokio::test]
async fn dropped_ready_sender_keeps_last_state() {
    let s = start("").await;
    s.ready.send(true).unwrap();
    let Server { port, ready, shutdown, task } = s;
    drop(ready);
    tokio::time::sleep(Duration::from_millis(20)).await;
    available(&get(port, "/").await);
    shutdown.cancel();
    task.await.unwrap().unwrap();
}
