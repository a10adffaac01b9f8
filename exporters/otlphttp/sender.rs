//! One request body until it is settled: POST, read the answer, and retry what
//! may be retried with exponential backoff, honouring `Retry-After` (429, 503),
//! until `max_elapsed_time`.
//!
//! As otelcol: 2xx is delivered (a partial success is logged, not retried); the
//! `retryable_statuses` (429, 502, 503, 504) and transport errors are retried;
//! every other status is permanent.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hyper::header::{HeaderMap, RETRY_AFTER};
use hyper::StatusCode;
use tracing::warn;

use super::client::{Client, Reply};
use crate::export::retry::{with_retries, Attempt, RetryConfig};
use crate::export::stats::{log_partial_success, Stats};
use crate::otlp::signals::OtlpSignal;
use crate::otlp::status::Status;
use crate::otlp::Encoding;

/// How a body ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted (2xx). `rejected` is the server's partial-success count.
    Delivered { rejected: i64 },
    /// A permanent failure, or retries ran out; the message says which.
    Rejected(String),
}

/// What one answer means.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Success { rejected: i64 },
    Retry { error: String, retry_after: Option<Duration> },
    Permanent(String),
}

pub struct Sender {
    pub client: Client,
    pub retry: RetryConfig,
    pub stats: Stats,
}

impl Sender {
    /// Send `body` (a request of signal `B`) until it is delivered or rejected.
    pub async fn send<B: OtlpSignal>(&self, body: Bytes, records: usize) -> Outcome {
        let attempt = || async {
            match self.client.post(body.clone()).await {
                Ok(reply) => {
                    match verdict::<B>(&reply, self.retry.retryable_statuses(), &self.client.url().to_string()) {
                        Verdict::Success { rejected } => Attempt::Done(rejected),
                        Verdict::Permanent(msg) => Attempt::Permanent(msg),
                        Verdict::Retry { error, retry_after } => Attempt::Retry { error, delay: retry_after },
                    }
                }
                Err(e) => {
                    Attempt::Retry { error: format!("request to {} failed: {}", self.client.url(), e.0), delay: None }
                }
            }
        };
        match with_retries(&self.retry, &self.stats.retries, records, attempt).await {
            Ok(rejected) => Outcome::Delivered { rejected },
            Err(reason) => Outcome::Rejected(reason),
        }
    }
}

fn verdict<B: OtlpSignal>(reply: &Reply, retryable: &[u16], url: &str) -> Verdict {
    let status = reply.status;
    if status.is_success() {
        return Verdict::Success { rejected: partial_success::<B>(reply) };
    }
    let mut error = format!("request to {url} responded with HTTP status {status}");
    if let Some(message) = server_message(reply) {
        error.push_str(": ");
        error.push_str(&message);
    }
    if !retryable.contains(&status.as_u16()) {
        return Verdict::Permanent(error);
    }
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => retry_after(&reply.headers),
        _ => None,
    };
    Verdict::Retry { error, retry_after }
}

/// Log a partial success and return its rejected count. A body that cannot be
/// read is logged too: the server accepted the request, so it is not retried
/// (otelcol turns it into a permanent error; the data is gone either way).
fn partial_success<B: OtlpSignal>(reply: &Reply) -> i64 {
    if reply.body.is_empty() {
        return 0;
    }
    let Some(encoding) = Encoding::from_headers(&reply.headers) else { return 0 };
    match B::partial_success(&reply.body, encoding) {
        Ok((rejected, message)) => log_partial_success(B::SIGNAL, rejected, &message),
        Err(e) => {
            warn!(error = %e, status = %reply.status, "the server accepted the request but its response body is invalid");
            0
        }
    }
}

/// The server's explanation: a `google.rpc.Status` message, else the start of a text body.
fn server_message(reply: &Reply) -> Option<String> {
    let status = match Encoding::from_headers(&reply.headers) {
        Some(Encoding::Protobuf) => Status::from_protobuf(&reply.body),
        Some(Encoding::Json) => Status::from_json(&reply.body),
        None => None,
    };
    if let Some(st) = status.filter(|s| !s.message.is_empty()) {
        return Some(st.message);
    }
    let text = std::str::from_utf8(&reply.body).ok()?.trim();
    if text.is_empty() || text.contains('\0') {
        return None;
    }
    const MAX: usize = 512;
    Some(match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    })
}

/// `Retry-After`: seconds, or an HTTP date (a date in the past means now).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(date.timestamp()).ok()?);
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LogBatch;
    use crate::otlp::json::ExportLogsServiceResponse;
    use crate::signal::TraceBatch;
    use hyper::header::{HeaderValue, CONTENT_TYPE};
    use prost::Message as _;

    fn verdict(reply: &Reply, retryable: &[u16], url: &str) -> Verdict {
        super::verdict::<LogBatch>(reply, retryable, url)
    }

    fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        let mut headers = HeaderMap::new();
        if !content_type.is_empty() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        }
        Reply { status: StatusCode::from_u16(status).unwrap(), headers, body: body.into() }
    }

    const RETRYABLE: &[u16] = &[429, 502, 503, 504];

    #[test]
    fn statuses_like_otelcol() {
        assert_eq!(verdict(&reply(200, "", ""), RETRYABLE, "u"), Verdict::Success { rejected: 0 });
        assert_eq!(verdict(&reply(202, "text/plain", "ok"), RETRYABLE, "u"), Verdict::Success { rejected: 0 });
        for code in [429, 502, 503, 504] {
            assert!(matches!(verdict(&reply(code, "", ""), RETRYABLE, "u"), Verdict::Retry { .. }), "{code}");
        }
        for code in [400, 401, 403, 404, 413, 500, 501] {
            assert!(matches!(verdict(&reply(code, "", ""), RETRYABLE, "u"), Verdict::Permanent(_)), "{code}");
        }
        // retryable_statuses replaces the list.
        assert!(matches!(verdict(&reply(500, "", ""), &[500], "u"), Verdict::Retry { .. }));
        assert!(matches!(verdict(&reply(503, "", ""), &[500], "u"), Verdict::Permanent(_)));
    }

    #[test]
    fn error_messages_come_from_the_status_body() {
        let st = Status { code: 3, message: "field x is bad".into() };
        let v = verdict(&reply(400, "application/x-protobuf", st.encode_to_vec()), RETRYABLE, "http://h/v1/logs");
        assert_eq!(
            v,
            Verdict::Permanent(
                "request to http://h/v1/logs responded with HTTP status 400 Bad Request: field x is bad".into()
            )
        );
        let v = verdict(&reply(400, "application/json", r#"{"code":3,"message":"json says no"}"#), RETRYABLE, "u");
        assert!(matches!(v, Verdict::Permanent(m) if m.ends_with(": json says no")));
        let v = verdict(&reply(401, "text/plain", "token expired\n"), RETRYABLE, "u");
        assert!(matches!(v, Verdict::Permanent(m) if m.ends_with("401 Unauthorized: token expired")));
    }

    #[test]
    fn partial_success_is_success_with_a_count() {
        let body = r#"{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"too old"}}"#;
        assert_eq!(verdict(&reply(200, "application/json", body), RETRYABLE, "u"), Verdict::Success { rejected: 2 });
        let resp = ExportLogsServiceResponse {
            partial_success: Some(crate::otlp::json::ExportLogsPartialSuccess {
                rejected_log_records: 5,
                error_message: String::new(),
            }),
        };
        let r = reply(200, "application/x-protobuf", resp.encode_to_vec());
        assert_eq!(verdict(&r, RETRYABLE, "u"), Verdict::Success { rejected: 5 });
        // Garbage in a 2xx: still delivered.
        assert_eq!(verdict(&reply(200, "application/json", "{"), RETRYABLE, "u"), Verdict::Success { rejected: 0 });
        // Each signal reads its own response.
        let spans = r#"{"partialSuccess":{"rejectedSpans":"3"}}"#;
        let v = super::verdict::<TraceBatch>(&reply(200, "application/json", spans), RETRYABLE, "u");
        assert_eq!(v, Verdict::Success { rejected: 3 });
    }

    #[test]
    fn retry_after_seconds_and_dates_for_429_and_503_only() {
        let mut r = reply(503, "", "");
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert!(
            matches!(verdict(&r, RETRYABLE, "u"), Verdict::Retry { retry_after: Some(d), .. } if d == Duration::from_secs(7))
        );
        r.status = StatusCode::BAD_GATEWAY;
        assert!(matches!(verdict(&r, RETRYABLE, "u"), Verdict::Retry { retry_after: None, .. }));
        let future = chrono::Utc::now() + chrono::Duration::seconds(120);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&future.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120), "{d:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
