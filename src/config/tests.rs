//! Config loader tests over a registry of test components.
