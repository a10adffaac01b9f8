//! The HTTP/1.1 server: one listener, one task per connection, answers computed
//! from the topology's `ready` flag at request time.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::config::ResponseBody;
use crate::component::StageError;
use crate::http_server;
use crate::startup::Listener;
use crate::time::gofmt::{go_duration_string, rfc3339_nano, GO_ZERO_TIME};

/// What the server needs from the config.
pub struct Settings {
    /// The endpoint as configured, for messages.
    pub endpoint: String,
    pub path: String,
    pub response_body: Option<ResponseBody>,
}

/// Serve on the listener bound at build time until `shutdown` fires. Open
/// connections are dropped at shutdown, as Go's `http.Server.Close` does.
pub async fn serve(
    listener: Listener,
    settings: Settings,
    ready: watch::Receiver<bool>,
    shutdown: CancellationToken,
) -> Result<(), StageError> {
    let listener = listener.into_tokio()?;
    info!(endpoint = %settings.endpoint, path = %settings.path, "Starting health_check extension");
    let mut watcher = ready.clone();
    let health = Arc::new(Health { ready, since: Mutex::new(None), settings });
    // Record the moment the pipelines become ready even if nobody asks yet:
    // that moment is the `upSince` of later answers.
    let watch = {
        let (health, stop) = (health.clone(), shutdown.clone());
        async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    changed = watcher.changed() => match changed {
                        Ok(()) => {
                            health.observe();
                        }
                        Err(_) => return, // the topology is gone; keep the last state
                    },
                }
            }
        }
    };
    let service = service_fn(move |req: Request<Incoming>| {
        let answer = health.respond(&req);
        async move { Ok::<_, Infallible>(answer) }
    });
    let opts = http_server::Options { keep_alive: true, ..Default::default() };
    tokio::join!(http_server::serve(listener, service, opts, shutdown), watch);
    Ok(())
}

/// Since when the pipelines have been ready, in both clocks.
#[derive(Clone)]
struct Since {
    /// Wall-clock time in Go's RFC 3339 form, for `upSince`.
    wall: String,
    /// Monotonic time, for `uptime` (Go's `time.Since` is monotonic too).
    at: Instant,
}

struct Health {
    ready: watch::Receiver<bool>,
    /// `Some` while ready; set at the first observation of `ready == true`.
    since: Mutex<Option<Since>>,
    settings: Settings,
}

/// The JSON document, fields in otelcol's order.
#[derive(Serialize)]
struct StatusDoc<'a> {
    status: &'a str,
    #[serde(rename = "upSince")]
    up_since: &'a str,
    uptime: &'a str,
}

impl Health {
    /// The current readiness, updating `since` on a change.
    fn observe(&self) -> Option<Since> {
        let ready = *self.ready.borrow();
        let mut since = self.since.lock().unwrap_or_else(PoisonError::into_inner);
        match (ready, since.is_some()) {
            (true, false) => {
                let now = chrono::Local::now().fixed_offset();
                *since = Some(Since { wall: rfc3339_nano(&now), at: Instant::now() });
                info!(status = "ready", "Health Check state change");
            }
            (false, true) => {
                *since = None;
                info!(status = "unavailable", "Health Check state change");
            }
            _ => {}
        }
        since.clone()
    }

    fn respond(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        if !path_matches(&self.settings.path, req.uri().path()) {
            return not_found();
        }
        let since = self.observe();
        let code = if since.is_some() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
        if let Some(bodies) = &self.settings.response_body {
            let body = if since.is_some() { &bodies.healthy } else { &bodies.unhealthy };
            return response(code, sniff(body), body.clone().into());
        }
        let uptime = since.as_ref().map(|s| go_duration_string(s.at.elapsed()));
        let doc = match (&since, &uptime) {
            (Some(s), Some(uptime)) => StatusDoc { status: "Server available", up_since: &s.wall, uptime },
            _ => StatusDoc { status: "Server not available", up_since: GO_ZERO_TIME, uptime: "" },
        };
        let json = serde_json::to_vec(&doc).expect("a struct of strings serializes");
        response(code, Some("application/json"), json.into())
    }
}

/// Go `ServeMux` matching: a pattern ending in `/` matches its whole subtree.
fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.ends_with('/') {
        path.starts_with(pattern)
    } else {
        path == pattern
    }
}

fn response(code: StatusCode, content_type: Option<&'static str>, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = code;
    if let Some(ct) = content_type {
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    resp
}

/// Go's `http.NotFound`.
fn not_found() -> Response<Full<Bytes>> {
    let mut resp =
        response(StatusCode::NOT_FOUND, Some("text/plain; charset=utf-8"), Bytes::from_static(b"404 page not found\n"));
    resp.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

/// The Content-Type Go's `http.DetectContentType` gives the custom bodies it
/// sniffs (otelcol sets none for them): none for an empty body, HTML and XML by
/// their opening tag, otherwise plain text unless it holds binary bytes.
fn sniff(body: &str) -> Option<&'static str> {
    if body.is_empty() {
        return None;
    }
    let start = body.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']).as_bytes();
    const HTML: &[&str] = &[
        "<!DOCTYPE HTML",
        "<HTML",
        "<HEAD",
        "<SCRIPT",
        "<IFRAME",
        "<H1",
        "<DIV",
        "<FONT",
        "<TABLE",
        "<A",
        "<STYLE",
        "<TITLE",
        "<B",
        "<BODY",
        "<BR",
        "<P",
        "<!--",
    ];
    for tag in HTML {
        let n = tag.len();
        if start.len() > n && start[..n].eq_ignore_ascii_case(tag.as_bytes()) && (start[n] == b' ' || start[n] == b'>')
        {
            return Some("text/html; charset=utf-8");
        }
    }
    if start.starts_with(b"<?xml") {
        return Some("text/xml; charset=utf-8");
    }
    let binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f);
    if body.as_bytes().iter().take(512).any(binary) {
        return Some("application/octet-stream");
    }
    Some("text/plain; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_like_go_servemux() {
        assert!(path_matches("/", "/"));
        assert!(path_matches("/", "/anything/below"));
        assert!(path_matches("/health", "/health"));
        assert!(!path_matches("/health", "/health/"));
        assert!(!path_matches("/health", "/healthz"));
        assert!(path_matches("/health/", "/health/x"));
        assert!(!path_matches("/health/", "/health"));
    }

    #[test]
    fn custom_bodies_are_sniffed_like_go() {
        assert_eq!(sniff(""), None);
        assert_eq!(sniff("OK"), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff("{\"ok\":true}"), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff("  <html><body>up</body></html>"), Some("text/html; charset=utf-8"));
        assert_eq!(sniff("<?xml version=\"1.0\"?><ok/>"), Some("text/xml; charset=utf-8"));
        assert_eq!(sniff("a\u{1}b"), Some("application/octet-stream"));
    }
}
