//! Integration tests: otlp_receiver.
