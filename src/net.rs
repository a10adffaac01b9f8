//! Network address helpers shared by receivers, exporters and extensions.

/// Go's `net.SplitHostPort` for listen endpoints: `host:port`, `[v6]:port`, `:port`.
pub fn split_host_port(endpoint: &str) -> Result<(&str, u16), String> {
    let bad = |why: &str| format!("invalid endpoint {endpoint:?}: {why}");
    let (host, port) = endpoint.rsplit_once(':').ok_or_else(|| bad("expected host:port"))?;
    let host = match host.strip_prefix('[') {
        Some(h) => h.strip_suffix(']').ok_or_else(|| bad("unbalanced brackets"))?,
        None if host.contains(':') => return Err(bad("an IPv6 address must be in brackets, as in [::1]:4318")),
        None => host,
    };
    let port = port.parse().map_err(|_| bad("the port must be a number from 0 to 65535"))?;
    Ok((host, port))
}
