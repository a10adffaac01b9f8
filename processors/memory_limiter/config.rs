//! `memory_limiter` settings, with otelcol's keys, defaults and validation
//! messages (internal/memorylimiter/config.go upstream).

use serde::Deserialize;

use crate::config::{Duration, FieldError};

/// otelcol's default `min_gc_interval_when_soft_limited`.
pub const DEFAULT_MIN_GC_INTERVAL_SOFT: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryLimiterConfig {
    /// Time between measurements of memory usage; required (> 0).
    pub check_interval: Duration,
    /// Hard limit in MiB; takes precedence over `limit_percentage`.
    pub limit_mib: u32,
    /// Headroom below the hard limit, in MiB; 0 means 20% of the limit.
    pub spike_limit_mib: u32,
    /// Hard limit as a percentage of the cgroup limit (or of total memory).
    pub limit_percentage: u32,
    /// Headroom as a percentage of the same total.
    pub spike_limit_percentage: u32,
    /// Shortest time between two allocator collections while above the soft limit.
    pub min_gc_interval_when_soft_limited: Duration,
    /// Shortest time between two allocator collections while above the hard limit.
    pub min_gc_interval_when_hard_limited: Duration,
    /// Never ask the allocator to return freed memory to the system.
    pub disable_gc: bool,
}

impl Default for MemoryLimiterConfig {
    fn default() -> Self {
        MemoryLimiterConfig {
            check_interval: Duration::default(),
            limit_mib: 0,
            spike_limit_mib: 0,
            limit_percentage: 0,
            spike_limit_percentage: 0,
            min_gc_interval_when_soft_limited: DEFAULT_MIN_GC_INTERVAL_SOFT,
            min_gc_interval_when_hard_limited: Duration::default(),
            disable_gc: false,
        }
    }
}

impl MemoryLimiterConfig {
    /// otelcol's checks, in its order; like otelcol, only the first failure is reported.
    pub fn validate(&self) -> Vec<FieldError> {
        let err = |key: &str, msg: &str| vec![FieldError::new(key, msg)];
        if self.check_interval.is_zero() {
            return err("check_interval", "'check_interval' must be greater than zero");
        }
        if self.min_gc_interval_when_soft_limited < self.min_gc_interval_when_hard_limited {
            return err(
                "min_gc_interval_when_soft_limited",
                "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
            );
        }
        if self.limit_mib == 0 && self.limit_percentage == 0 {
            return err("", "'limit_mib' or 'limit_percentage' must be greater than zero");
        }
        if self.limit_percentage > 100 || self.spike_limit_percentage > 100 {
            let key = if self.limit_percentage > 100 { "limit_percentage" } else { "spike_limit_percentage" };
            return err(
                key,
                "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred",
            );
        }
        if self.limit_mib > 0 && self.limit_mib <= self.spike_limit_mib {
            return err("spike_limit_mib", "'spike_limit_mib' must be smaller than 'limit_mib'");
        }
        if self.limit_percentage > 0 && self.limit_percentage <= self.spike_limit_percentage {
            return err("spike_limit_percentage", "'spike_limit_percentage' must be smaller than 'limit_percentage'");
        }
        Vec::new()
    }

    /// The hard and spike limits in bytes: fixed, or percentages of `total()`
    /// (asked only when the limit is a percentage).
    pub fn limits(&self, total: impl FnOnce() -> Result<u64, String>) -> Result<Limits, String> {
        const MIB: u64 = 1024 * 1024;
        let (hard, spike) = if self.limit_mib > 0 {
            (u64::from(self.limit_mib) * MIB, u64::from(self.spike_limit_mib) * MIB)
        } else {
            let total = total()
                .map_err(|e| format!("failed to get total memory, use fixed memory settings (limit_mib): {e}"))?;
            (u64::from(self.limit_percentage) * total / 100, u64::from(self.spike_limit_percentage) * total / 100)
        };
        // As otelcol: an unset spike limit is 20% of the limit.
        let spike = if spike == 0 { hard / 5 } else { spike };
        Ok(Limits { hard, soft: hard.saturating_sub(spike) })
    }
}

/// Memory thresholds in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `limit`: above it the allocator is asked to give memory back at once.
    pub hard: u64,
    /// `limit - spike`: at or above it no new data enters the pipeline.
    pub soft: u64,
}
