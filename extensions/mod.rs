//! Extensions: started before the pipelines and stopped after them.

use crate::component::ExtensionFactory;

/// Every built-in extension.
pub fn factories() -> Vec<&'static ExtensionFactory> {
    vec![]
}
