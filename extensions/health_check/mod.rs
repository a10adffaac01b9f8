//! The `health_check` extension: an HTTP endpoint for liveness and readiness
//! probes, compatible with otelcol-contrib's `healthcheckextension` (legacy mode,
//! the default there).
//!
//! - A request on `path` (any method, as upstream; HEAD gets no body) answers `200` with
//!   `{"status":"Server available","upSince":"<RFC 3339 nano>","uptime":"<Go duration>"}`
//!   while every pipeline runs, and `503` with
//!   `{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}`
//!   before start-up has finished and from the moment shutdown begins. Both are
//!   `Content-Type: application/json`. With `response_body` the static
//!   `healthy`/`unhealthy` text is sent instead. Other paths get Go's 404; as
//!   with Go's `ServeMux`, a `path` ending in `/` covers everything below it, so
//!   the default `/` answers every path.
//! - `upSince` is when the pipelines last became ready; `uptime` is measured on
//!   the monotonic clock.
//! - `build` binds the port in start mode (not in `ferrocol validate`'s check
//!   mode); a bind failure is a build error at the `endpoint` key:
//!   `failed to bind to address <endpoint>: <OS error>`.
//! - The server stops when the extension shutdown token fires, after every
//!   pipeline has drained; open connections are dropped then.
//! - Not supported: `tls` (rejected by `validate`), the other confighttp server
//!   keys, and `check_collector_pipeline`, which upstream deprecated as broken: its
//!   keys are accepted and ignored, with a warning when `enabled`.

mod config;
mod probe;
mod server;
#[cfg(test)]
mod tests;

use tracing::warn;

use crate::component::{
    BuiltExtension, ExtensionConfig, ExtensionContext, ExtensionFactory, Factory, Stability, StageError,
};
use crate::config::FieldError;

pub use config::HealthCheckConfig;
pub use probe::probe;

pub static FACTORY: ExtensionFactory = Factory {
    type_name: "health_check",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<HealthCheckConfig>(n)?)),
};

impl ExtensionConfig for HealthCheckConfig {
    fn validate(&self) -> Vec<FieldError> {
        HealthCheckConfig::validate(self)
    }

    fn build(&self, cx: ExtensionContext) -> Result<BuiltExtension, StageError> {
        if self.check_collector_pipeline.enabled {
            warn!(
                component_id = %cx.id,
                "check_collector_pipeline is deprecated upstream and ignored by ferrocol; \
                 the answer reflects whether the pipelines are running"
            );
        }
        let settings = server::Settings {
            endpoint: self.endpoint.clone(),
            path: self.path.clone(),
            response_body: self.response_body.clone(),
        };
        let listener = cx.startup.listen(&self.endpoint).map_err(|e| {
            StageError::new(format!("failed to bind to address {}: {}", self.endpoint, e.message)).at("endpoint")
        })?;
        let task = server::serve(listener, settings, cx.ready, cx.shutdown);
        Ok(BuiltExtension { task: Some(Box::pin(task)), storage: None })
    }
}
