//! What the network exporters (`otlphttp`, `otlp`) share: the
//! [`queue`] in front of their consumers, [`retry`] with backoff, [`tls`]
//! client settings (rustls), their [`stats`], and configured [`Headers`].

pub mod queue;
pub mod retry;
pub mod stats;
pub mod tls;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::config::FieldError;

/// Header names and values added to every request; `Debug` shows the names only
/// (values are often credentials).
#[derive(Clone, Default, Deserialize)]
pub struct Headers(pub BTreeMap<String, String>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, "<redacted>"))).finish()
    }
}

/// An error and its causes, `outer: inner: root`, without repeats.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// `auth` (an authenticator extension) and `middlewares` are refused: credentials
/// go in `headers` (`example` shows one).
pub fn refuse_extensions(auth: bool, middlewares: bool, example: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if auth {
        errors.push(FieldError::new(
            "auth",
            format!(
                "auth extensions are not supported by ferrocol; send credentials with headers (for example {example})"
            ),
        ));
    }
    if middlewares {
        errors.push(FieldError::new("middlewares", "middlewares are not supported by ferrocol"));
    }
    errors
}
