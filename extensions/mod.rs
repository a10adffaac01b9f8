//! Extensions: started before the pipelines and stopped after them.

mod file_storage;
pub mod health_check;
mod pprof;

use crate::component::ExtensionFactory;

/// Every built-in extension.
pub fn factories() -> Vec<&'static ExtensionFactory> {
    vec![&health_check::FACTORY, &file_storage::FACTORY, &pprof::FACTORY]
}
