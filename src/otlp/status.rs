//! `google.rpc.Status`, the body of an OTLP/HTTP failure response, in both
//! encodings. The proto crate does not ship it; `details` is never needed here
//! and is skipped when decoding.

use prost::Message as _;

/// `google.rpc.Status` without `details`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

impl Status {
    /// Decode a protobuf `Status`.
    pub fn from_protobuf(body: &[u8]) -> Option<Status> {
        Status::decode(body).ok()
    }

    /// Decode an OTLP/JSON `Status` (`{"code": 3, "message": "..."}`); unknown
    /// keys such as `details` are ignored.
    pub fn from_json(body: &[u8]) -> Option<Status> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let obj = v.as_object()?;
        let code = obj.get("code").and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok())).unwrap_or(0);
        let message = obj.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_string();
        Some(Status { code: i32::try_from(code).unwrap_or(0), message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_encodings() {
        let st = Status { code: 3, message: "bad".into() };
        assert_eq!(Status::from_protobuf(&st.encode_to_vec()), Some(st.clone()));
        assert_eq!(Status::from_json(br#"{"code":3,"message":"bad","details":[]}"#), Some(st));
        assert_eq!(Status::from_json(b"not json"), None);
        assert_eq!(Status::from_json(b"[1]"), None);
    }
}
