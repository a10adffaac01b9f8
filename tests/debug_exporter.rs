//! Integration tests: debug_exporter.
