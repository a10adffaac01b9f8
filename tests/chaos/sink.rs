//! The chaos tests' backend: an OTLP/HTTP (protobuf) server that records the
//! identity of every record it accepts, by *epoch* (one epoch per ferrocol
//! process the test starts), so that duplicates can be charged to the kill
//! before them. It can play a backend that is down (503 to every request).

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::Message;

use crate::util::read_request_body;

/// How a record is identified: the body string, or one key of a map body.
#[derive(Clone, Copy)]
pub enum Identity {
    Body,
    BodyKey(&'static str),
}

impl Identity {
    fn of(self, r: &LogRecord) -> String {
        let body = r.body.as_ref().and_then(|b| b.value.as_ref());
        let found = match (self, body) {
            (Identity::Body, Some(Value::StringValue(s))) => Some(s.clone()),
            (Identity::BodyKey(key), Some(Value::KvlistValue(kv))) => {
                kv.values.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()?.value.as_ref()).and_then(
                    |v| match v {
                        Value::StringValue(s) => Some(s.clone()),
                        _ => None,
                    },
                )
            }
            _ => None,
        };
        found.unwrap_or_else(|| panic!("a record without its identity: {body:?}"))
    }
}

/// What one epoch received.
#[derive(Clone, Debug, Default)]
pub struct Epoch {
    pub requests: usize,
    /// Records accepted, duplicates included.
    pub records: usize,
    /// Records seen for the first time.
    pub new: usize,
    /// Records seen in an earlier epoch.
    pub resent: usize,
    /// Records seen earlier in this same epoch.
    pub repeated: usize,
    /// When the first request of the epoch was answered.
    pub first_answer: Option<Instant>,
}

#[derive(Default)]
struct State {
    epoch: usize,
    epochs: Vec<Epoch>,
    /// Identity → (epoch of first receipt, times received).
    seen: HashMap<String, (usize, u32)>,
    down: bool,
    largest_request: usize,
    /// Runs that were killed: what their connections still bring is not
    /// recorded (nobody is left to read the answer, so it was not delivered).
    killed: Vec<usize>,
}

#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Sink {
    pub fn start(identity: Identity) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State { epochs: vec![Epoch::default()], ..Default::default() }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let state = shared.clone();
                // A connection belongs to the run that opened it: what a killed
                // process sent is never counted for the next one.
                let epoch = state.lock().unwrap().epoch;
                std::thread::spawn(move || serve(conn, identity, epoch, &state));
            }
        });
        Sink { port, state }
    }

    /// Requests from now on count for epoch `n`.
    pub fn set_epoch(&self, n: usize) {
        let mut s = self.state.lock().unwrap();
        s.epoch = n;
        while s.epochs.len() <= n {
            s.epochs.push(Epoch::default());
        }
    }

    pub fn epoch(&self, n: usize) -> Epoch {
        self.state.lock().unwrap().epochs.get(n).cloned().unwrap_or_default()
    }

    pub fn epochs(&self) -> Vec<Epoch> {
        self.state.lock().unwrap().epochs.clone()
    }

    /// Distinct records received.
    pub fn unique(&self) -> usize {
        self.state.lock().unwrap().seen.len()
    }

    pub fn largest_request(&self) -> usize {
        self.state.lock().unwrap().largest_request
    }

    /// Run `n` was killed: requests it sent that are answered from now on were
    /// in flight, not delivered.
    pub fn killed(&self, n: usize) {
        self.state.lock().unwrap().killed.push(n);
    }

    /// Answer 503 to every request while `down`.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Wait until `pred` holds, up to `timeout`.
    pub fn wait(&self, timeout: Duration, what: &str, pred: impl Fn(&Sink) -> bool) {
        let start = Instant::now();
        while !pred(self) {
            assert!(start.elapsed() < timeout, "timed out waiting for {what}; epochs: {:?}", self.epochs());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn accept(&self, req: &ExportLogsServiceRequest, identity: Identity, epoch: usize) -> bool {
        let mut s = self.state.lock().unwrap();
        if s.down {
            return false;
        }
        if s.killed.contains(&epoch) {
            return true;
        }
        let mut counts = (0, 0, 0, 0);
        let records = req.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records);
        for r in records {
            counts.0 += 1;
            let entry = s.seen.entry(identity.of(r)).or_insert((epoch, 0));
            entry.1 += 1;
            match (entry.1, entry.0 == epoch) {
                (1, _) => counts.1 += 1,
                (_, true) => counts.3 += 1,
                (_, false) => counts.2 += 1,
            }
        }
        s.largest_request = s.largest_request.max(counts.0);
        let e = &mut s.epochs[epoch];
        e.requests += 1;
        e.records += counts.0;
        e.new += counts.1;
        e.resent += counts.2;
        e.repeated += counts.3;
        true
    }
}

/// HTTP/1.1 keep-alive: a Content-Length body, decoded; 200 when recorded, 503 when down.
fn serve(conn: TcpStream, identity: Identity, epoch: usize, state: &Arc<Mutex<State>>) {
    let sink = Sink { port: 0, state: state.clone() };
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    // `None`: the sender was killed mid-request, nothing is recorded.
    while let Some(body) = read_request_body(&mut reader) {
        let req = ExportLogsServiceRequest::decode(body.as_slice()).expect("an OTLP protobuf logs request");
        let reply = if sink.accept(&req, identity, epoch) {
            state.lock().unwrap().epochs[epoch].first_answer.get_or_insert_with(Instant::now);
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"
        } else {
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n"
        };
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
