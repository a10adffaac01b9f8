//! The otlphttp exporter against in-test servers (plain, TLS, behind proxies),
//! in-process through the registry, and the real binary end to end.

mod bodies;
mod e2e;
pub mod harness;
mod logs;
mod persistent;
mod proxy;
mod retries;
pub mod server;
pub mod tls;
