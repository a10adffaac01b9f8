//! kcat (Debian's Kafka client) as a peer: it consumes what the exporter
//! produced, decoded by the official opentelemetry-proto Python package; and
//! it produces messages that package encoded, which the receiver consumes.
//! Run by `make kafka-peer` (part of `make test`), which sets
//! FERROCOL_KAFKA_PEER_PYTHON to a venv's python with opentelemetry-proto.

use std::process::Command;

use ferrocol::event::LogBatch;
use ferrocol::signal::{MetricBatch, TraceBatch};
use rdkafka::mocking::MockCluster;

use super::*;
use crate::util::{repo, tempdir};

fn python() -> String {
    std::env::var("FERROCOL_KAFKA_PEER_PYTHON").expect("FERROCOL_KAFKA_PEER_PYTHON (run `make kafka-peer`)")
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

async fn kcat_reads_what_ferrocol_produced<B: Sig>(brokers: &str) {
    let signal = B::SIGNAL.as_str();
    let topic = format!("to-kcat-{signal}");
    let (tx, exporter) = exporter::<B>(&format!("brokers: [{brokers}]\n{signal}: {{topic: {topic}}}\n"));
    for i in 0..4 {
        delivered(send(&tx, B::sample(i * 5, 5)).await).await;
    }
    drop(tx);
    exporter.await.unwrap();
    let dir = tempdir();
    let dump = dir.path().join("dump.bin");
    let bytes = run(Command::new("kcat")
        .args(["-C", "-b", brokers, "-t", &topic, "-o", "beginning", "-e", "-q"])
        .args(["-f", "%R%s"]));
    std::fs::write(&dump, bytes).unwrap();
    let script = repo("tests/conformance/kafka_peer.py");
    let out = run(Command::new(python()).arg(&script).args(["decode", signal]).arg(&dump));
    let mut ids: Vec<usize> = serde_json::from_slice(&out).unwrap();
    ids.sort();
    assert_eq!(ids, (0..20).collect::<Vec<_>>(), "{signal}");
}

async fn ferrocol_reads_what_kcat_produced<B: Sig>(brokers: &str) {
    let signal = B::SIGNAL.as_str();
    let topic = format!("from-kcat-{signal}");
    let dir = tempdir();
    let script = repo("tests/conformance/kafka_peer.py");
    run(Command::new(python()).arg(&script).args(["encode", signal]).arg(dir.path()).args(["100", "12"]));
    let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    run(Command::new("kcat").args(["-P", "-b", brokers, "-t", &topic]).args(&files));
    let yaml =
        format!("brokers: [{brokers}]\ngroup_id: peer\ninitial_offset: earliest\n{signal}: {{topics: [{topic}]}}\n");
    let (mut rx, stop, receiver) = receiver::<B>(&yaml);
    let mut ids = collect(&mut rx, 12).await;
    ids.sort();
    assert_eq!(ids, (100..112).collect::<Vec<_>>(), "{signal}");
    stop.cancel();
    receiver.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs kcat and the opentelemetry-proto venv: make kafka-peer"]
async fn kcat_and_opentelemetry_proto_interoperate_both_ways() {
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    kcat_reads_what_ferrocol_produced::<TraceBatch>(&brokers).await;
    kcat_reads_what_ferrocol_produced::<MetricBatch>(&brokers).await;
    kcat_reads_what_ferrocol_produced::<LogBatch>(&brokers).await;
    ferrocol_reads_what_kcat_produced::<TraceBatch>(&brokers).await;
    ferrocol_reads_what_kcat_produced::<MetricBatch>(&brokers).await;
    ferrocol_reads_what_kcat_produced::<LogBatch>(&brokers).await;
}
