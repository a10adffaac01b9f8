//! What a call's gRPC status means, as otelcol's exporter reads it: OK is
//! delivered; CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE
//! and DATA_LOSS are retried; RESOURCE_EXHAUSTED only when the server sent a
//! `google.rpc.RetryInfo`; every other code is permanent. A `RetryInfo` delay
//! (in `grpc-status-details-bin`) is waited before the next attempt.

use std::time::Duration;

use prost::Message;
use tonic::{Code, Status};

use crate::export::retry::Attempt;

const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`, with its details.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// The `RetryInfo` among a status's details, if the server sent one: its delay
/// (zero when absent or negative).
pub fn retry_info(details: &[u8]) -> Option<Duration> {
    if details.is_empty() {
        return None;
    }
    let status = RpcStatus::decode(details).ok()?;
    let any = status.details.iter().find(|a| a.type_url == RETRY_INFO_TYPE)?;
    let info = RetryInfo::decode(&any.value[..]).ok()?;
    Some(info.retry_delay.map_or(Duration::ZERO, |d| {
        let secs = u64::try_from(d.seconds).unwrap_or(0);
        Duration::from_secs(secs) + Duration::from_nanos(u64::try_from(d.nanos).unwrap_or(0))
    }))
}

/// Whether otelcol's exporter retries `code`.
pub fn should_retry(code: Code, has_retry_info: bool) -> bool {
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => has_retry_info,
        _ => false,
    }
}

/// A failed call as an attempt's result (an OK status is `Done(())`).
pub fn verdict(status: &Status, endpoint: &str) -> Attempt<()> {
    if status.code() == Code::Ok {
        return Attempt::Done(());
    }
    let info = retry_info(status.details());
    let error = format!("rpc error to {endpoint}: code = {:?} desc = {}", status.code(), status.message());
    if !should_retry(status.code(), info.is_some()) {
        return Attempt::Permanent(error);
    }
    Attempt::Retry { error, delay: info.filter(|d| !d.is_zero()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(delay: Option<(i64, i32)>) -> Vec<u8> {
        let info = RetryInfo { retry_delay: delay.map(|(seconds, nanos)| ProtoDuration { seconds, nanos }) };
        let other = Any { type_url: "type.googleapis.com/google.rpc.DebugInfo".into(), value: vec![1, 2] };
        let retry = Any { type_url: RETRY_INFO_TYPE.into(), value: info.encode_to_vec() };
        RpcStatus { code: 8, message: "slow down".into(), details: vec![other, retry] }.encode_to_vec()
    }

    fn status(code: Code, details: Vec<u8>) -> Status {
        Status::with_details(code, "m", details.into())
    }

    #[test]
    fn codes_like_otelcol() {
        let retried = [
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unavailable,
            Code::DataLoss,
        ];
        for code in retried {
            assert!(matches!(verdict(&status(code, vec![]), "e"), Attempt::Retry { delay: None, .. }), "{code:?}");
        }
        let permanent = [
            Code::Unknown,
            Code::InvalidArgument,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::FailedPrecondition,
            Code::Unimplemented,
            Code::Internal,
            Code::Unauthenticated,
            Code::ResourceExhausted,
        ];
        for code in permanent {
            assert!(matches!(verdict(&status(code, vec![]), "e"), Attempt::Permanent(_)), "{code:?}");
        }
        assert_eq!(verdict(&Status::new(Code::Ok, ""), "e"), Attempt::Done(()));
    }

    #[test]
    fn retry_info_makes_resource_exhausted_retryable_and_sets_the_delay() {
        let v = verdict(&status(Code::ResourceExhausted, details(Some((2, 500_000_000)))), "h:4317");
        assert_eq!(
            v,
            Attempt::Retry {
                error: "rpc error to h:4317: code = ResourceExhausted desc = m".into(),
                delay: Some(Duration::from_millis(2500))
            }
        );
        // A RetryInfo without a delay still makes it retryable, with the backoff's interval.
        let v = verdict(&status(Code::ResourceExhausted, details(None)), "e");
        assert!(matches!(v, Attempt::Retry { delay: None, .. }), "{v:?}");
        let v = verdict(&status(Code::Unavailable, details(Some((7, 0)))), "e");
        assert!(matches!(v, Attempt::Retry { delay: Some(d), .. } if d == Duration::from_secs(7)), "{v:?}");
        // Details without a RetryInfo, or garbage, are no RetryInfo.
        let no_info = RpcStatus { code: 8, message: String::new(), details: vec![] }.encode_to_vec();
        assert!(matches!(verdict(&status(Code::ResourceExhausted, no_info), "e"), Attempt::Permanent(_)));
        assert_eq!(retry_info(b"\xff\xff"), None);
    }
}
