//! kcat as a peer.
