//! Agent → gateway, two real ferrocols: the agent reads a journal (the bundled
//! sample plus generated sshd lines) and sends it with the `otlp` exporter
//! (TLS, snappy) to the gateway's gRPC receiver, which exports OTLP/JSON with
//! `otlphttp` to a sink here. The gateway starts late, so the agent first sees
//! it down. Every journal entry arrives exactly once.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferrocol::event::{any_value, LogBatch};
use ferrocol::otlp::signals::OtlpSignal;

use crate::journal_util::{append_journal, fixture_journal, journalctl_json, sshd_entries};
use crate::otlphttp::server::Server;
use crate::otlphttp::tls::{Ca, Files};
use crate::util::{self, Running};

/// Each `MESSAGE` the sink got, with how many times.
fn messages(sink: &Server) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in sink.requests().into_iter().filter(|r| r.path == "/v1/logs") {
        for rl in LogBatch::from_request(LogBatch::decode_json(&r.body).unwrap()) {
            for record in rl.scope_logs.iter().flat_map(|s| &s.log_records) {
                let Some(any_value::Value::KvlistValue(body)) = record.body.as_ref().and_then(|b| b.value.as_ref())
                else {
                    panic!("a journald body is a map: {record:?}")
                };
                let message = body.values.iter().find(|kv| kv.key == "MESSAGE").expect("MESSAGE");
                let text = match message.value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(any_value::Value::StringValue(text)) => text.clone(),
                    // A binary MESSAGE is an array of its bytes, as journalctl shows it.
                    Some(any_value::Value::ArrayValue(a)) => hex::encode(
                        a.values
                            .iter()
                            .map(|v| match v.value {
                                // Doubles, as otelcol's journald receiver makes them.
                                Some(any_value::Value::DoubleValue(b)) => b as u8,
                                _ => panic!("a byte: {v:?}"),
                            })
                            .collect::<Vec<u8>>(),
                    ),
                    other => panic!("MESSAGE: {other:?}"),
                };
                *seen.entry(text).or_insert(0) += 1;
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journald_agent_to_grpc_gateway_every_record_once() {
    let sink = Server::start().await;
    let journal = fixture_journal();
    append_journal(journal.path(), &sshd_entries(0, 300));
    let expected: Vec<String> = journalctl_json(journal.path(), &[])
        .into_iter()
        .map(|e| match &e["MESSAGE"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(bytes) => {
                hex::encode(bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect::<Vec<u8>>())
            }
            other => panic!("MESSAGE {other}"),
        })
        .collect();
    assert!(expected.len() > 300);

    let files = Files::new();
    let ca = Ca::new("chain CA");
    let leaf = ca.leaf(&["localhost"]);
    let (cert, key) = (files.write("gw.pem", &leaf.cert_pem), files.write("gw.key", &leaf.key_pem));
    let ca_file = files.write("ca.pem", &ca.pem());
    let port = util::free_port();
    let agent_cfg = util::write(
        files.dir.path(),
        "agent.yaml",
        &format!(
            "receivers: {{journald: {{directory: {:?}, start_at: beginning, priority: debug}}}}\n\
             processors: {{batch: {{send_batch_size: 64, timeout: 50ms}}}}\n\
             exporters:\n  otlp:\n    endpoint: localhost:{port}\n    compression: snappy\n\
             \x20   tls: {{ca_file: {ca_file:?}}}\n\
             \x20   retry_on_failure: {{initial_interval: 100ms, max_interval: 300ms, max_elapsed_time: 0s}}\n\
             service: {{pipelines: {{logs: {{receivers: [journald], processors: [batch], exporters: [otlp]}}}}}}\n",
            journal.path().display()
        ),
    );
    let mut agent = Running::start(&["--config", &agent_cfg]);
    // The gateway is down for a while: the agent retries, holding its records.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sink.requests().is_empty());
    let gateway_cfg = util::write(
        files.dir.path(),
        "gateway.yaml",
        &format!(
            "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:{port}\n\
             \x20       tls: {{cert_file: {cert:?}, key_file: {key:?}}}\n\
             exporters: {{otlphttp: {{endpoint: {}, encoding: json}}}}\n\
             service: {{pipelines: {{logs: {{receivers: [otlp], exporters: [otlphttp]}}}}}}\n",
            sink.base_url()
        ),
    );
    let mut gateway = Running::start(&["--config", &gateway_cfg]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while messages(&sink).values().sum::<usize>() < expected.len() {
        if Instant::now() > deadline {
            let got = messages(&sink);
            let missing: Vec<&String> = expected.iter().filter(|m| !got.contains_key(*m)).collect();
            panic!(
                "{} of {} records; missing {missing:?}; agent: {}",
                got.values().sum::<usize>(),
                expected.len(),
                agent.stderr()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more comes: no record twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = messages(&sink);
    let mut want: BTreeMap<String, usize> = BTreeMap::new();
    for m in expected {
        *want.entry(m).or_insert(0) += 1;
    }
    assert_eq!(got, want);
    agent.stop();
    gateway.stop();
}
