//! The HTTP side of the pprof extension: routes as Go's net/http/pprof names them.

use std::convert::Infallible;
use std::io::Write;
use std::time::Duration;

use ::pprof::protos::Message;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use tokio_util::sync::CancellationToken;

use super::FREQUENCY_HZ;
use crate::component::StageError;
use crate::http_server;
use crate::startup::Listener;

const PREFIX: &str = "/debug/pprof/";
/// Go's default duration of a CPU profile.
const DEFAULT_SECONDS: u64 = 30;

pub async fn serve(listener: Listener, endpoint: String, shutdown: CancellationToken) -> Result<(), StageError> {
    let listener = listener.into_tokio()?;
    tracing::info!(endpoint = %endpoint, "Starting net/http/pprof server");
    let stop = shutdown.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let stop = stop.clone();
        async move { Ok::<_, Infallible>(respond(&req, stop).await) }
    });
    let opts = http_server::Options { keep_alive: true, ..Default::default() };
    http_server::serve(listener, service, opts, shutdown).await;
    Ok(())
}

async fn respond(req: &Request<Incoming>, stop: CancellationToken) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let Some(name) = path.strip_prefix(PREFIX) else {
        return text(StatusCode::NOT_FOUND, "404 page not found\n");
    };
    match name {
        "" => text(StatusCode::OK, INDEX),
        "cmdline" => {
            let args: Vec<String> = std::env::args().collect();
            text(StatusCode::OK, &args.join("\0"))
        }
        "profile" => profile(query_seconds(req.uri().query()), stop).await,
        _ => text(StatusCode::NOT_FOUND, "Unknown profile\n"),
    }
}

const INDEX: &str = "/debug/pprof/\n\n\
profile: CPU profile (pprof protobuf, gzip). Add the seconds GET parameter to set the duration (default 30).\n\
cmdline: the command line of the running program.\n\n\
ferrocol is not a Go program: Go runtime profiles (heap, goroutine, block, mutex, allocs, threadcreate, trace) are not available.\n";

/// `seconds` as Go parses it: a positive integer, else the default.
fn query_seconds(query: Option<&str>) -> u64 {
    query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("seconds="))
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(DEFAULT_SECONDS)
}

async fn profile(seconds: u64, stop: CancellationToken) -> Response<Full<Bytes>> {
    // The profile is taken and built (symbolizing frames is CPU-heavy) on a
    // blocking-pool thread, off the runtime's workers.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let run = tokio::task::spawn_blocking(move || {
        let guard = ::pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .build()
            .map_err(|e| format!("Could not enable CPU profiling: {e}\n"))?;
        // A shutdown ends the profile early, with what was sampled so far.
        let _ = done_rx.recv_timeout(Duration::from_secs(seconds));
        encode(&guard).map_err(|e| format!("{e}\n"))
    });
    let cancel = async {
        stop.cancelled().await;
        let _ = done_tx.send(());
        std::future::pending::<()>().await
    };
    let result = tokio::select! {
        r = run => r.unwrap_or_else(|e| Err(format!("{e}\n"))),
        _ = cancel => unreachable!("pending"),
    };
    match result {
        Ok(body) => {
            let mut resp = Response::new(Full::new(Bytes::from(body)));
            let h = resp.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            h.insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"profile\""));
            resp
        }
        Err(msg) => text(StatusCode::INTERNAL_SERVER_ERROR, &msg),
    }
}

/// The profile so far, as pprof's gzip-compressed protobuf (what Go writes).
pub fn encode(guard: &::pprof::ProfilerGuard<'_>) -> Result<Vec<u8>, StageError> {
    let fail = |e: &dyn std::fmt::Display| StageError::new(format!("building the CPU profile: {e}"));
    let report = guard.report().build().map_err(|e| fail(&e))?;
    let profile = report.pprof().map_err(|e| fail(&e))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&profile.encode_to_vec()).map_err(|e| fail(&e))?;
    gz.finish().map_err(|e| fail(&e))
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::copy_from_slice(body.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

#[cfg(test)]
pub(super) fn seconds_of(query: Option<&str>) -> u64 {
    query_seconds(query)
}
