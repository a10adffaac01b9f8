//! zap's sampler, which otelcol's debug exporter wraps its logger in: per
//! message text and per one-second window, let the first `initial` entries
//! through, then every `thereafter`-th.

use std::time::{Duration, Instant};

/// zap keeps this many counters per level and picks one by hashing the message,
/// so two messages can share a counter.
const COUNTERS: usize = 4096;
const TICK: Duration = Duration::from_secs(1);

pub(crate) struct Sampler {
    first: u64,
    thereafter: u64,
    counters: Vec<Counter>,
}

#[derive(Clone, Copy, Default)]
struct Counter {
    count: u64,
    /// End of the current window; `None` before the first entry.
    reset_at: Option<Instant>,
}

impl Sampler {
    /// Go converts the `int` settings to `uint64`, so a negative `initial`
    /// samples nothing away and a negative `thereafter` behaves like 0.
    pub(crate) fn new(initial: i64, thereafter: i64) -> Sampler {
        Sampler { first: initial as u64, thereafter: thereafter as u64, counters: vec![Counter::default(); COUNTERS] }
    }

    /// Whether an entry with this message, logged at `now`, is written.
    pub(crate) fn check(&mut self, message: &str, now: Instant) -> bool {
        let counter = &mut self.counters[fnv32a(message) as usize % COUNTERS];
        let n = match counter.reset_at {
            Some(reset_at) if reset_at > now => {
                counter.count += 1;
                counter.count
            }
            // A new window starts at this entry.
            _ => {
                counter.count = 1;
                counter.reset_at = Some(now + TICK);
                1
            }
        };
        !(n > self.first && (self.thereafter == 0 || (n - self.first) % self.thereafter != 0))
    }
}

/// 32-bit FNV-1a, as zap hashes messages.
fn fnv32a(s: &str) -> u32 {
    s.bytes().fold(2_166_136_261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16_777_619))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &mut Sampler, msg: &str, n: usize, now: Instant) -> Vec<bool> {
        (0..n).map(|_| s.check(msg, now)).collect()
    }

    #[test]
    fn defaults_drop_nothing() {
        let mut s = Sampler::new(2, 1);
        assert!(run(&mut s, "Logs", 50, Instant::now()).iter().all(|b| *b));
    }

    #[test]
    fn initial_then_every_nth() {
        let mut s = Sampler::new(2, 3);
        let got = run(&mut s, "Logs", 9, Instant::now());
        assert_eq!(got, [true, true, false, false, true, false, false, true, false]);
    }

    #[test]
    fn thereafter_zero_drops_the_rest() {
        let mut s = Sampler::new(1, 0);
        assert_eq!(run(&mut s, "Logs", 4, Instant::now()), [true, false, false, false]);
        let mut s = Sampler::new(1, -1);
        assert_eq!(run(&mut s, "Logs", 3, Instant::now()), [true, false, false]);
        let mut s = Sampler::new(-1, 0);
        assert!(run(&mut s, "Logs", 10, Instant::now()).iter().all(|b| *b));
    }

    #[test]
    fn counters_are_per_message_and_window() {
        let mut s = Sampler::new(1, 0);
        let t0 = Instant::now();
        assert!(s.check("a", t0));
        assert!(!s.check("a", t0 + Duration::from_millis(999)));
        assert!(s.check("b", t0 + Duration::from_millis(999)));
        // The window restarts at the first entry after it ended.
        assert!(s.check("a", t0 + Duration::from_millis(1000)));
        assert!(!s.check("a", t0 + Duration::from_millis(1500)));
        assert!(s.check("a", t0 + Duration::from_millis(2000)));
    }

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv32a(""), 0x811c9dc5);
        assert_eq!(fnv32a("a"), 0xe40c292c);
        assert_eq!(fnv32a("foobar"), 0xbf9cf968);
    }
}
