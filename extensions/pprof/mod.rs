//! The `pprof` extension: Go's `net/http/pprof` CPU-profile endpoint, served
//! with a Rust sampling profiler (the `pprof` crate), as otelcol-contrib's
//! `pprofextension` configures it.
//!
//! - `GET /debug/pprof/profile?seconds=N` (30 by default, as Go): samples every
//!   thread at 100 Hz for N seconds and answers the profile in pprof's
//!   gzip-compressed protobuf format, as Go does; `go tool pprof` reads it.
//! - `GET /debug/pprof/cmdline`: the command line, NUL-separated, as Go.
//! - `GET /debug/pprof/`: an index naming what is served.
//! - Go runtime profiles (heap, goroutine, block, mutex, allocs, threadcreate,
//!   trace, symbol) have no counterpart in a Rust process: Go's 404 `Unknown
//!   profile`. `block_profile_fraction` and `mutex_profile_fraction` tune Go's
//!   runtime and are accepted without effect.
//! - `save_to_file`: profiling runs from start to shutdown and the profile is
//!   written to that file (opened at build); while it runs, `/profile` answers
//!   500 as Go does when CPU profiling is already in use.
//! - The port is bound at build in start mode (not by `ferrocol validate`).

mod server;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::Write;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::component::{
    BuiltExtension, ExtensionConfig, ExtensionContext, ExtensionFactory, Factory, Stability, StageError,
};

pub static FACTORY: ExtensionFactory = Factory {
    type_name: "pprof",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<PprofConfig>(n)?)),
};

/// Sampling rate of CPU profiles, as Go's runtime/pprof.
pub const FREQUENCY_HZ: i32 = 100;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PprofConfig {
    pub endpoint: String,
    /// confignet's dialer settings: accepted, nothing here dials.
    pub dialer: Option<IgnoredAny>,
    pub block_profile_fraction: i64,
    pub mutex_profile_fraction: i64,
    pub save_to_file: String,
}

impl Default for PprofConfig {
    fn default() -> Self {
        PprofConfig {
            endpoint: "localhost:1777".into(),
            dialer: None,
            block_profile_fraction: 0,
            mutex_profile_fraction: 0,
            save_to_file: String::new(),
        }
    }
}

impl ExtensionConfig for PprofConfig {
    fn build(&self, cx: ExtensionContext) -> Result<BuiltExtension, StageError> {
        let listener = cx.startup.listen(&self.endpoint).map_err(|e| {
            StageError::new(format!("failed to bind to address {}: {}", self.endpoint, e.message)).at("endpoint")
        })?;
        let save = if !self.save_to_file.is_empty() && cx.startup.is_start() {
            let file = File::create(&self.save_to_file)
                .map_err(|e| StageError::new(format!("cannot create {}: {e}", self.save_to_file)).at("save_to_file"))?;
            Some((file, self.save_to_file.clone()))
        } else {
            None
        };
        let endpoint = self.endpoint.clone();
        let task = async move {
            let guard = match save {
                Some(_) => Some(
                    ::pprof::ProfilerGuardBuilder::default()
                        .frequency(FREQUENCY_HZ)
                        .build()
                        .map_err(|e| StageError::new(format!("cannot start CPU profiling: {e}")))?,
                ),
                None => None,
            };
            server::serve(listener, endpoint, cx.shutdown).await?;
            if let (Some(guard), Some((mut file, path))) = (guard, save) {
                let bytes = server::encode(&guard)?;
                file.write_all(&bytes).map_err(|e| StageError::new(format!("writing {path}: {e}")))?;
            }
            Ok(())
        };
        Ok(BuiltExtension { task: Some(Box::pin(task)), storage: None })
    }
}
