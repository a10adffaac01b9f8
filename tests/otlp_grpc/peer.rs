//! The peer: tests/conformance/otlp_grpc_peer.py (grpcio and the official
//! opentelemetry-proto package) run as a child process, and what it recorded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrocol::event::ResourceLogs;
use ferrocol::otlp::json::ExportLogsServiceRequest;
use prost::Message as _;

/// The venv's Python with grpcio and opentelemetry-proto (`make otlp-grpc-peer` sets it).
fn python() -> String {
    std::env::var("FERROCOL_GRPC_PEER_PYTHON")
        .expect("FERROCOL_GRPC_PEER_PYTHON: run these tests with `make otlp-grpc-peer`")
}

pub struct Peer {
    child: Child,
    pub port: u16,
    out: PathBuf,
}

/// One Export call as the peer saw it.
#[derive(Debug)]
pub struct Call {
    /// `logs`, `traces` or `metrics`.
    pub signal: String,
    pub status: String,
    pub time: f64,
    /// Items: log records, spans or data points.
    pub records: usize,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The request, parsed by the official code and re-serialized.
    pub request: Vec<u8>,
    /// The same decoded here, for a logs call (empty for the others).
    pub resource_logs: Vec<ResourceLogs>,
}

impl Peer {
    /// Start the peer on `port` (0: any free one) with extra `args`; files go to `dir`.
    pub fn start(dir: &Path, port: u16, args: &[&str]) -> Peer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/otlp_grpc_peer.py");
        let tag = format!("{}-{}", std::process::id(), rand_tag());
        let port_file = dir.join(format!("port-{tag}"));
        let out = dir.join(format!("calls-{tag}.jsonl"));
        let child = Command::new(python())
            .arg(script)
            .args(["--port", &port.to_string(), "--port-file"])
            .arg(&port_file)
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start the grpcio peer");
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "the grpcio peer did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        Peer { child, port, out }
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let bytes = hex::decode(v["request_hex"].as_str().unwrap()).unwrap();
                let signal = v["signal"].as_str().unwrap().to_string();
                let resource_logs = match signal.as_str() {
                    "logs" => ExportLogsServiceRequest::decode(&bytes[..]).unwrap().resource_logs,
                    _ => Vec::new(),
                };
                Call {
                    signal,
                    status: v["status"].as_str().unwrap().to_string(),
                    time: v["time"].as_f64().unwrap(),
                    records: v["records"].as_u64().unwrap() as usize,
                    metadata: v["metadata"].as_object().unwrap().clone(),
                    request: bytes,
                    resource_logs,
                }
            })
            .collect()
    }

    /// The calls answered OK.
    pub fn accepted(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.status == "OK").collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_tag() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(1);
    h.finish()
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
