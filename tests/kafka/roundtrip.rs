//! In-process: exporter → mock cluster → receiver.

use std::collections::BTreeSet;

use ferrocol::event::LogBatch;
use ferrocol::signal::{MetricBatch, TraceBatch};
use rdkafka::mocking::MockCluster;

use super::*;

fn exporter_yaml(brokers: &str, signal: &str, topic: &str, encoding: &str) -> String {
    format!(
        "brokers: [{brokers}]\n{signal}: {{topic: {topic}, encoding: {encoding}}}\n\
         retry_on_failure: {{initial_interval: 50ms, max_interval: 200ms}}\n"
    )
}

fn receiver_yaml(brokers: &str, signal: &str, topic: &str, encoding: &str, group: &str) -> String {
    format!(
        "brokers: [{brokers}]\ngroup_id: {group}\ninitial_offset: earliest\n\
         {signal}: {{topics: [{topic}], encoding: {encoding}}}\n\
         session_timeout: 6s\nheartbeat_interval: 500ms\n"
    )
}

/// 3 batches of 10 items through exporter and receiver; every id arrives once.
async fn round_trip<B: Sig>(mock: &MockCluster<'_, impl rdkafka::ClientContext>, encoding: &str) {
    let signal = B::SIGNAL.as_str();
    let topic = format!("{signal}-{encoding}");
    mock.create_topic(&topic, 2, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let (tx, exporter) = exporter::<B>(&exporter_yaml(&brokers, signal, &topic, encoding));
    for i in 0..3 {
        delivered(send(&tx, B::sample(i * 10, 10)).await).await;
    }
    drop(tx);
    exporter.await.unwrap();
    let (mut rx, stop, receiver) = receiver::<B>(&receiver_yaml(&brokers, signal, &topic, encoding, &topic));
    let ids: BTreeSet<usize> = collect(&mut rx, 30).await.into_iter().collect();
    assert_eq!(ids, (0..30).collect(), "{signal} {encoding}");
    stop.cancel();
    receiver.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signal_in_each_otlp_encoding() {
    let mock = MockCluster::new(1).unwrap();
    for encoding in ["otlp_proto", "otlp_json"] {
        round_trip::<TraceBatch>(&mock, encoding).await;
        round_trip::<MetricBatch>(&mock, encoding).await;
        round_trip::<LogBatch>(&mock, encoding).await;
    }
}

/// `raw` sends one message per body (a string body as JSON); the receiver's
/// `json`, `text` and `raw` read them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_log_bodies_read_back_as_json_text_and_raw() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("raw", 1, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let (tx, exporter) = exporter::<LogBatch>(&exporter_yaml(&brokers, "logs", "raw", "raw"));
    delivered(send(&tx, LogBatch::sample(0, 3)).await).await;
    drop(tx);
    exporter.await.unwrap();
    for (encoding, want) in [("json", "rec-1"), ("text", "\"rec-1\""), ("raw", "\"rec-1\"")] {
        let yaml = receiver_yaml(&brokers, "logs", "raw", encoding, &format!("raw-{encoding}"));
        let (mut rx, stop, receiver) = receiver::<LogBatch>(&yaml);
        let mut bodies = Vec::new();
        while bodies.len() < 3 {
            let batch = rx.recv().await.unwrap();
            for r in batch.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records) {
                use ferrocol::event::any_value::Value;
                bodies.push(match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                    Some(Value::StringValue(s)) => s.clone(),
                    Some(Value::BytesValue(b)) => String::from_utf8(b.clone()).unwrap(),
                    other => panic!("{other:?}"),
                });
            }
            batch.acks.deliver();
        }
        assert_eq!(bodies[1], want, "{encoding}: {bodies:?}");
        stop.cancel();
        receiver.await.unwrap();
    }
}

/// The broker goes down mid-run: the exporter retries until it is back, and
/// every record arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_down_then_up_loses_nothing() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("outage", 1, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let yaml = format!("{}timeout: 500ms\n", exporter_yaml(&brokers, "logs", "outage", "otlp_proto"));
    let (tx, exporter) = exporter::<LogBatch>(&yaml);
    delivered(send(&tx, LogBatch::sample(0, 5)).await).await;
    mock.broker_down(1).unwrap();
    let mut waiter = send(&tx, LogBatch::sample(5, 5)).await;
    // Not delivered while the broker is down (the attempt times out and is retried).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(waiter.try_outcome(), None, "delivered while the broker was down");
    mock.broker_up(1).unwrap();
    delivered(waiter).await;
    drop(tx);
    exporter.await.unwrap();
    let (mut rx, stop, receiver) = receiver::<LogBatch>(&receiver_yaml(&brokers, "logs", "outage", "otlp_proto", "g"));
    let mut ids = collect(&mut rx, 10).await;
    ids.sort();
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
    stop.cancel();
    receiver.await.unwrap();
}

/// Produce errors from the broker (not enough replicas) are retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_errors_are_retried() {
    use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("errors", 1, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let errors = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS; 4];
    mock.request_errors(RDKafkaApiKey::Produce, &errors);
    let (tx, exporter) = exporter::<TraceBatch>(&exporter_yaml(&brokers, "traces", "errors", "otlp_proto"));
    delivered(send(&tx, TraceBatch::sample(0, 7)).await).await;
    drop(tx);
    exporter.await.unwrap();
    let (mut rx, stop, receiver) =
        receiver::<TraceBatch>(&receiver_yaml(&brokers, "traces", "errors", "otlp_proto", "g"));
    let mut ids = collect(&mut rx, 7).await;
    ids.sort();
    assert_eq!(ids, (0..7).collect::<Vec<_>>(), "each span once: retries do not duplicate");
    stop.cancel();
    receiver.await.unwrap();
}
