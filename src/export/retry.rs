//! `retry_on_failure` (otelcol's `configretry`), shared by the network
//! exporters: its settings and checks, the exponential backoff, and the loop
//! that repeats an attempt until it is delivered, refused for good, or out of
//! time.

use std::cell::Cell;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration as StdDuration;

use serde::Deserialize;
use tokio::time::Instant;
use tracing::info;

use super::stats::Count;
use crate::config::{Duration, FieldError};

/// The statuses OTLP/HTTP says a client may retry (otlphttp's default).
pub const DEFAULT_RETRYABLE_STATUSES: [u16; 4] = [429, 502, 503, 504];

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Retry transient failures; when false, a failed request rejects its batch.
    pub enabled: bool,
    /// Wait after the first failure.
    pub initial_interval: Duration,
    /// Each wait is the interval ± this fraction of it, at random (0 to 1).
    pub randomization_factor: f64,
    /// Factor by which the interval grows after each retry.
    pub multiplier: f64,
    /// Largest interval.
    pub max_interval: Duration,
    /// Give up (and reject the batch) when the next retry would start after this
    /// much time since the first attempt; 0 = retry forever.
    pub max_elapsed_time: Duration,
    /// otlphttp only: HTTP statuses that are retried (default 429, 502, 503, 504);
    /// every other non-2xx status rejects.
    pub retryable_statuses: Option<Vec<u16>>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: Duration::from_secs(5),
            randomization_factor: 0.5,
            multiplier: 1.5,
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
            retryable_statuses: None,
        }
    }
}

impl RetryConfig {
    /// The HTTP statuses retried (otlphttp).
    pub fn retryable_statuses(&self) -> &[u16] {
        self.retryable_statuses.as_deref().unwrap_or(&DEFAULT_RETRYABLE_STATUSES)
    }

    /// otelcol's checks; keys are `retry_on_failure::...`.
    pub fn validate(&self) -> Vec<FieldError> {
        let key = |k: &str| format!("retry_on_failure::{k}");
        let mut errors = Vec::new();
        for (i, code) in self.retryable_statuses().iter().enumerate() {
            if !(100..=599).contains(code) {
                errors.push(FieldError::new(
                    format!("retry_on_failure::retryable_statuses[{i}]"),
                    format!("invalid HTTP status code {code} (must be in 100-599)"),
                ));
            }
        }
        if !self.enabled {
            return errors;
        }
        if !(0.0..=1.0).contains(&self.randomization_factor) {
            errors.push(FieldError::new(key("randomization_factor"), "'randomization_factor' must be within [0, 1]"));
        }
        if self.multiplier < 0.0 || !self.multiplier.is_finite() {
            errors.push(FieldError::new(key("multiplier"), "'multiplier' must be non-negative"));
        }
        if !self.max_elapsed_time.is_zero() {
            if self.max_elapsed_time < self.initial_interval {
                errors.push(FieldError::new(
                    key("max_elapsed_time"),
                    "'max_elapsed_time' must not be less than 'initial_interval'",
                ));
            }
            if self.max_elapsed_time < self.max_interval {
                errors.push(FieldError::new(
                    key("max_elapsed_time"),
                    "'max_elapsed_time' must not be less than 'max_interval'",
                ));
            }
        }
        errors
    }
}

/// What one attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt<T> {
    /// Accepted, with what the caller wants to know of the answer.
    Done(T),
    /// Refused for good.
    Permanent(String),
    /// May succeed later; `delay` is the server's wish (`Retry-After`, `RetryInfo`).
    Retry { error: String, delay: Option<StdDuration> },
}

/// Run `attempt` until it is done or refused for good, waiting between
/// attempts as `retry` says (the server's delay wins when longer). Waits do not
/// end early: at shutdown, the topology's deadline stops them.
pub async fn with_retries<T, F, Fut>(
    retry: &RetryConfig,
    retries: &Count,
    records: usize,
    mut attempt: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let start = Instant::now();
    let mut backoff = Backoff::new(retry);
    loop {
        let (error, wish) = match attempt().await {
            Attempt::Done(t) => return Ok(t),
            Attempt::Permanent(msg) => return Err(format!("not retryable error: {msg}")),
            Attempt::Retry { error, delay } => (error, delay),
        };
        if !retry.enabled {
            return Err(format!("{error} (retry_on_failure is disabled)"));
        }
        let delay = backoff.next_interval().max(wish.unwrap_or_default());
        let max_elapsed = retry.max_elapsed_time.0;
        if !max_elapsed.is_zero() && start.elapsed() + delay > max_elapsed {
            return Err(format!("no more retries left (max_elapsed_time {max_elapsed:?}): {error}"));
        }
        info!(error = %error, interval = ?delay, records, "Exporting failed. Will retry the request after interval.");
        tokio::time::sleep(delay).await;
        retries.add(1);
    }
}

/// Exponential backoff as otelcol's (cenkalti/backoff): each interval is
/// randomized by ± `randomization_factor`, then grows by `multiplier` up to
/// `max_interval`.
pub struct Backoff {
    current: StdDuration,
    max: StdDuration,
    multiplier: f64,
    randomization: f64,
}

impl Backoff {
    pub fn new(cfg: &RetryConfig) -> Backoff {
        Backoff {
            current: cfg.initial_interval.0,
            max: cfg.max_interval.0,
            multiplier: cfg.multiplier,
            randomization: cfg.randomization_factor,
        }
    }

    pub fn next_interval(&mut self) -> StdDuration {
        let interval = self.current.as_secs_f64();
        let delta = self.randomization * interval;
        let next = (interval - delta) + random_unit() * (2.0 * delta);
        self.current = if interval >= self.max.as_secs_f64() / self.multiplier {
            self.max
        } else {
            self.current.mul_f64(self.multiplier)
        };
        StdDuration::from_secs_f64(next.max(0.0))
    }
}

/// A number in [0, 1) from a per-thread xorshift generator; jitter needs no more.
pub(crate) fn random_unit() -> f64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(1);
            h.finish() | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_randomized_and_caps() {
        let cfg = RetryConfig {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(4),
            ..RetryConfig::default()
        };
        let mut b = Backoff::new(&cfg);
        // Centres 1, 1.5, 2.25, 3.375, then 4 for ever; each ± 50%.
        for centre in [1.0, 1.5, 2.25, 3.375, 4.0, 4.0, 4.0] {
            let d = b.next_interval().as_secs_f64();
            assert!(d >= centre * 0.5 - 1e-9 && d <= centre * 1.5 + 1e-9, "{d} for {centre}");
        }
        let mut exact = Backoff::new(&RetryConfig { randomization_factor: 0.0, ..cfg });
        assert_eq!(exact.next_interval(), StdDuration::from_secs(1));
        assert_eq!(exact.next_interval(), StdDuration::from_millis(1500));
        let spread: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(spread.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(spread.iter().any(|x| *x < 0.3) && spread.iter().any(|x| *x > 0.7));
    }
}
