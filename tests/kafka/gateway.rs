//! ferrocol gateways (the binary) in a consumer group.
