//! Producing a batch's messages: each attempt enqueues what is still pending
//! in librdkafka and waits for every delivery report; what the broker refused
//! transiently stays pending for the next attempt (`retry_on_failure`), so a
//! retry never sends again what was already acknowledged.

use std::sync::Mutex;
use std::time::Duration as StdDuration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer as _};
use rdkafka::ClientConfig;

use super::config::KafkaExporterConfig;
use super::messages::Message;
use crate::component::StageError;
use crate::export::retry::{with_retries, Attempt, RetryConfig};
use crate::export::stats::Count;
use crate::kafka::millis;

pub struct Producer {
    producer: FutureProducer,
    headers: Option<OwnedHeaders>,
}

/// librdkafka's producer settings for the config.
pub fn client_config(cfg: &KafkaExporterConfig) -> Result<ClientConfig, StageError> {
    let p = &cfg.producer;
    let mut c = cfg.connection().client_config()?;
    // One attempt's limit: librdkafka retries inside it, then reports the error.
    c.set("message.timeout.ms", millis(cfg.timeout));
    c.set("acks", p.required_acks.to_string());
    c.set("compression.codec", p.compression.as_str());
    c.set("compression.level", p.compression_params.level.to_string());
    c.set("linger.ms", millis(p.linger));
    c.set("batch.num.messages", p.flush_max_messages.to_string());
    // Messages are split to max_message_bytes before compression; the broker's
    // own limit applies after it. A request holds at most max_broker_write_bytes.
    c.set("message.max.bytes", p.max_broker_write_bytes.max(1000).to_string());
    c.set("batch.size", p.max_broker_write_bytes.to_string());
    // Retries inside an attempt keep messages in order and unduplicated.
    c.set("enable.idempotence", (p.required_acks == -1).to_string());
    Ok(c)
}

impl Producer {
    pub fn new(cfg: &KafkaExporterConfig) -> Result<Producer, StageError> {
        let producer: FutureProducer = client_config(cfg)?
            .create()
            .map_err(|e| StageError::new(format!("cannot create the Kafka producer: {e}")))?;
        let mut headers = OwnedHeaders::new();
        for (k, v) in &cfg.record_headers {
            headers = headers.insert(Header { key: k, value: Some(v.as_bytes()) });
        }
        let headers = (!cfg.record_headers.is_empty()).then_some(headers);
        Ok(Producer { producer, headers })
    }

    /// Produce every message until each is acknowledged, refused for good, or
    /// out of retries.
    pub async fn send(
        &self,
        messages: Vec<Message>,
        retry: &RetryConfig,
        retries: &Count,
        records: usize,
    ) -> Result<(), String> {
        let pending = Mutex::new(messages);
        let attempt = || async {
            let batch = std::mem::take(&mut *pending.lock().expect("not poisoned"));
            let (failed, verdict) = self.attempt(batch).await;
            *pending.lock().expect("not poisoned") = failed;
            verdict
        };
        with_retries(retry, retries, records, attempt).await
    }

    /// One attempt: the messages that failed transiently, and the verdict.
    async fn attempt(&self, messages: Vec<Message>) -> (Vec<Message>, Attempt<()>) {
        let mut inflight: Vec<(Message, DeliveryFuture)> = Vec::with_capacity(messages.len());
        let mut failed = Vec::new();
        let mut first_error: Option<KafkaError> = None;
        for m in messages {
            loop {
                let record = record(&m, &self.headers);
                match self.producer.send_result(record) {
                    Ok(delivery) => {
                        inflight.push((m, delivery));
                        break;
                    }
                    // librdkafka's queue is full: wait for the oldest delivery, then try again.
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        if inflight.is_empty() {
                            self.producer.poll(StdDuration::from_millis(10));
                            tokio::time::sleep(StdDuration::from_millis(10)).await;
                        } else {
                            let (m, delivery) = inflight.remove(0);
                            settle(m, delivery.await, &mut failed, &mut first_error);
                        }
                    }
                    Err((e, _)) => {
                        first_error.get_or_insert(e);
                        failed.push(m);
                        break;
                    }
                }
            }
        }
        for (m, delivery) in inflight {
            settle(m, delivery.await, &mut failed, &mut first_error);
        }
        let verdict = match first_error {
            None => Attempt::Done(()),
            Some(e) if is_permanent(&e) => Attempt::Permanent(e.to_string()),
            Some(e) => Attempt::Retry { error: e.to_string(), delay: None },
        };
        (failed, verdict)
    }

    /// Wait until librdkafka has nothing queued (at shutdown).
    pub fn flush(&self, timeout: StdDuration) {
        let _ = self.producer.flush(timeout);
    }
}

fn record<'a>(m: &'a Message, headers: &Option<OwnedHeaders>) -> FutureRecord<'a, [u8], [u8]> {
    let mut r = FutureRecord::to(&m.topic).payload(m.payload.as_slice());
    if let Some(key) = &m.key {
        r = r.key(key.as_slice());
    }
    if let Some(h) = headers {
        r = r.headers(h.clone());
    }
    r
}

type Report = <DeliveryFuture as std::future::Future>::Output;

fn settle(m: Message, report: Report, failed: &mut Vec<Message>, first_error: &mut Option<KafkaError>) {
    let error = match report {
        Ok(Ok(_)) => return,
        Ok(Err((e, _))) => e,
        Err(_) => KafkaError::Canceled,
    };
    first_error.get_or_insert(error);
    failed.push(m);
}

/// Errors that another attempt cannot fix.
fn is_permanent(e: &KafkaError) -> bool {
    use RDKafkaErrorCode::*;
    let code = match e {
        KafkaError::MessageProduction(c) => *c,
        _ => return false,
    };
    matches!(
        code,
        MessageSizeTooLarge
            | InvalidMessageSize
            | InvalidMessage
            | InvalidRecord
            | TopicAuthorizationFailed
            | ClusterAuthorizationFailed
            | InvalidTopic
            | InvalidRequiredAcks
            | UnsupportedForMessageFormat
    )
}
