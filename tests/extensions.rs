//! Integration tests: extensions.
